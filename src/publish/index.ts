export {
  publishRepository,
  publishRepositories,
  type PublishOptions,
  type PublishResult,
  type PublishEvent,
} from './publish.js';
export { verifyPublished, verifyPublishedRepositories, type VerifyOptions, type VerifyResult } from './verify.js';
export {
  planPublish,
  summarizePlan,
  sameContent,
  REPOMD_PATH,
  SIGNATURE_PATH,
  type PlanOptions,
  type PlanSummary,
} from './plan.js';
export { readLocalRepo } from './local.js';
export { openDestination } from './open-destination.js';
export type {
  LocalFile,
  LocalRepo,
  PlanStep,
  PublishPlan,
  RemoteObject,
  RemoteState,
  WriteCondition,
} from './types.js';
