// The operational endpoints' paths, in one place: the container HEALTHCHECK, the compose
// healthcheck, the Kubernetes probes and the Prometheus scrape config all name these, and
// test/deploy checks them against this list.
export const PROBE_PATHS = {
  /** alive: 503 once the store has failed closed */
  health: '/health',
  /** ready for traffic: store open, head probed recently, not draining */
  ready: '/ready',
  /** Prometheus exposition */
  metrics: '/metrics',
} as const;
