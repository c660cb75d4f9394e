/** Pipeline specs: parse (YAML/JSON) → validate + normalize → hash, diff, order. All pure. */
export * from "./spec";
export { CRON_OPTIONS, canonicalTimezone, isValidCron, isValidTimezone } from "./cron";
export { findCycles, topoOrder, type CycleEdge, type DagNode } from "./dag";
export { diffSpecs, type SpecDiff } from "./diff";
export { canonicalJson, contentHash } from "./hash";
export { specJsonSchema } from "./json-schema";
export {
  detectFormat,
  formatFromFileName,
  formatSyntaxError,
  parseSpecText,
  specFormats,
  type ParseResult,
  type SpecFormat,
  type SpecSyntaxError,
} from "./parse";
export { connectionOptional, validateSpec, type SpecDeps, type ValidationResult } from "./validate";
