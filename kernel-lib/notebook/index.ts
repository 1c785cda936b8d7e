/**
 * Headless notebook execution over the Jupyter messaging protocol v5.3: a Node client that runs
 * a notebook through the tslab kernel, injects papermill-style parameters, and writes the
 * executed notebook with a manifest.
 */
export { runNotebook, formatFailure, NotebookRunError } from './run-notebook';
export type { NotebookRunResult } from './run-notebook';
export { ENGINES, defaultOutputPath, prepareNotebookRun } from './prepare-run';
export type { Engine, RunNotebookOptions, CellProgress, PreparedRun } from './prepare-run';
export { FAILURE_KINDS } from './native-engine';
export type { CellFailure, FailureKind } from './native-engine';
export {
  injectParameters,
  parseParameterAssignment,
  parseParameterValue,
  findParameterDeclarations,
  findParametersCell,
  PARAMETERS_TAG,
  INJECTED_PARAMETERS_TAG,
} from './parameters';
export type { ParameterValue, ParameterDeclaration } from './parameters';
export { signMessage, verifySignature, SIGNATURE_SCHEME } from './hmac';
export { serializeMessage, deserializeMessage, createMessage, MessageSignatureError, PROTOCOL_VERSION } from './wire';
export type { JupyterMessage, MessageHeader } from './wire';
export { KernelClient, Execution, OUTPUT_MSG_TYPES } from './client';
export type { ExecutionResult, ExecuteReplyContent } from './client';
export { createConnectionFile, removeConnectionFile, findFreePorts } from './connection';
export type { ConnectionInfo } from './connection';
export { KernelSession, INTERRUPT_MODES, KernelDiedError } from './kernel-session';
export type { InterruptMode } from './kernel-session';
export { KernelProcess, defaultKernelCommand, CONNECTION_FILE_PLACEHOLDER } from './kernel-process';
export { readNotebook, parseNotebook, serializeNotebook, cellSource, outputFromMessage } from './nbformat';
export type { Notebook, NotebookCell, NotebookOutput } from './nbformat';
export { NotebookOutputs } from './outputs';
export { buildNotebookManifest, CELL_STATUSES } from './manifest';
export { EXPERIMENT_MIME_TYPE, collectExperimentRecords } from './experiment-records';
export type { CellReport, CellStatus } from './manifest';
