// Counters a store keeps about itself, for `floe status`, request-budget tests and the
// simulation's report (metrics go through Telemetry; these stay readable in-process).
export interface StoreStats {
  entriesWritten: number;
  racesLost: number;
  unknownOutcomes: number;
  definiteFailures: number;
  probes: number;
  checkpointsWritten: number;
  resyncs: number;
  checkpointJumps: number;
  staleCreates: number;
  gcRuns: number;
  /** background polls of the head (bounded consistency) */
  polls: number;
  /** background job runs, and those that failed (each also logged) */
  backgroundRuns: number;
  backgroundFailures: number;
}

export const newStats = (): StoreStats => ({
  entriesWritten: 0, racesLost: 0, unknownOutcomes: 0, definiteFailures: 0, probes: 0, checkpointsWritten: 0,
  resyncs: 0, checkpointJumps: 0, staleCreates: 0, gcRuns: 0, polls: 0, backgroundRuns: 0, backgroundFailures: 0,
});
