/** Awaits `work` and returns the message it was rejected with, or '' when it resolved. */
export async function rejectionMessage(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}
