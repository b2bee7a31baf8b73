/**
 * mktsync as a library: producers enqueue changes, workers send them over Marketo's REST or SOAP API;
 * the transports, the SOAP client and the emulator (REST and SOAP) can be used on their own.
 */
export {
  createProducer,
  EnqueueError,
  type Producer,
  type ProducerOptions,
  type ChangeReference,
  type EnqueueResult,
} from './producer/producer.js';
export { startIngestServer, type IngestServer, type IngestServerOptions } from './producer/ingest-server.js';
export type { LeadChange, MObjectChange } from './producer/changes.js';
export type {
  MembershipChange,
  ListMembershipChange,
  ProgramStatusChange,
} from './producer/member-changes.js';
export type { ActivityChange } from './producer/activity-change.js';
export type { CustomObjectChange } from './producer/custom-object-changes.js';
export { startWorker, type Worker, type WorkerOptions } from './worker/worker.js';
export {
  readWorkerSettings,
  readIngestSettings,
  ConfigError,
  type WorkerSettings,
  type IngestSettings,
} from './config.js';
export type { Outcome, DeadLetter } from './buffer/types.js';
export { OUTCOME_STATUSES, isSuccess, type OutcomeStatus } from './vocabulary/outcome-statuses.js';
export { MarketoSoapClient, type SoapClientOptions } from './soap/client.js';
export {
  MarketoFault,
  TransportError,
  HttpStatusError,
  ResponseFormatError,
  ResultCountMismatchError,
  SoapError,
  type ErrorCategory,
} from './soap/faults.js';
export * from './soap/types.js';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator/index.js';
export { SoapTransport, soapCallError } from './soap/soap-transport.js';
export { RestTransport, type RestTransportOptions } from './rest/client.js';
export {
  MarketoCallError,
  type Transport,
  type TransportCall,
  type TransportGroup,
  type RecordResult,
  type CallOptions,
  type CallErrorCategory,
  type CallApplied,
  type CallAttempt,
  type AttemptReporter,
} from './transport/contract.js';
export { TRANSPORT_KINDS, type TransportKind } from './vocabulary/transport-kinds.js';
