import { ReportImageMetrics } from './report-image-experiment';

const f3 = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(3));

/** Formats the report experiment's numbers as Markdown: retrieval, finding agreement and report variations, with no report text. */
export function formatReportImageMetrics(metrics: ReportImageMetrics): string {
  const lines: string[] = [];
  const counts = Object.entries(metrics.counts).map(([name, c]) => `${name} ${c.reports} reports / ${c.images} images`);
  lines.push(`Pairing: ${metrics.pairingNote}.`, `Counts: ${counts.join('; ')}.`, '');

  const { retrieval } = metrics;
  const ks = retrieval.textToImage.atK.map((a) => a.k);
  lines.push('Retrieval on the held-out split (cosine in the joint embedding):', '');
  lines.push(`| direction | ${ks.map((k) => `@${k}`).join(' | ')} | chance |`, `| --- | ${ks.map(() => '---').join(' | ')} | --- |`);
  const agreementRow = (name: string, row: ReportImageMetrics['retrieval']['textToImage']) =>
    `| ${name} | ${row.atK.map((a) => f3(a.value)).join(' | ')} | ${f3(row.chance)} |`;
  lines.push(agreementRow('label agreement, report → image', retrieval.textToImage), agreementRow('label agreement, image → report', retrieval.imageToText));
  const recallRow = (name: string, row: ReportImageMetrics['retrieval']['exactTextToImage']) =>
    row ? `| ${name} | ${row.map((a) => f3(a.value)).join(' | ')} | ${f3(Math.min(...ks) / metrics.counts.test.images)} at @${Math.min(...ks)} |` : null;
  for (const row of [recallRow('exact-pair recall, report → image', retrieval.exactTextToImage), recallRow('exact-pair recall, image → report', retrieval.exactImageToText)]) {
    if (row) lines.push(row);
  }
  lines.push('');

  const classNames = metrics.findingAgreement[0]?.perClass.map((c) => c.className) ?? [];
  lines.push(
    `Report → image finding agreement: the task classifier (real test accuracy ${f3(metrics.classifier.testAccuracy)}) reads the class of each image generated for a held-out report:`,
    '',
  );
  lines.push(`| guidance scale | agreement (95% CI over reports) | ${classNames.join(' | ')} | images |`, `| --- | --- | ${classNames.map(() => '---').join(' | ')} | --- |`);
  for (const row of metrics.findingAgreement) {
    lines.push(`| ${row.guidanceScale} | ${f3(row.agreement)} (${f3(row.low)}–${f3(row.high)}) | ${row.perClass.map((c) => f3(c.agreement)).join(' | ')} | ${row.images} |`);
  }
  lines.push('');

  lines.push('Report variations (texts are in the run directory only):', '');
  lines.push('| finding | generated | labels kept | whole-report copies | longest overlap, words (max / mean) |', '| --- | --- | --- | --- | --- |');
  for (const v of metrics.variations) {
    lines.push(`| ${v.finding} | ${v.generated} | ${v.labelsKept} | ${v.verbatimCopies} | ${v.generated > 0 ? `${v.maxOverlapWords} / ${v.meanOverlapWords.toFixed(1)}` : v.error ?? '–'} |`);
  }
  return lines.join('\n');
}
