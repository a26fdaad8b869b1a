// The operator-facing descriptions of the metrics cannot drift from the code: docs/operations.md
// lists every metric of the METRICS catalogue, and every metric name it or the Grafana dashboard
// (deploy/grafana/floe.json) queries is one /metrics really exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PromMetrics } from '../../src/http/metrics.js';
import { METRICS } from '../../src/util/telemetry.js';

const operations = readFileSync('docs/operations.md', 'utf8');
const dashboard = JSON.parse(readFileSync('deploy/grafana/floe.json', 'utf8')) as {
  panels: Array<{ type: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ query: string }> };
};

/** Every series name a scrape can return: catalogue and Node defaults, histograms with their suffixes. */
async function exportedSeries(): Promise<Set<string>> {
  const metrics = new PromMetrics();
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

const METRIC_TOKEN = /\b(?:floe|nodejs|process)_[a-z0-9_]*[a-z0-9]\b/g;

test('docs/operations.md lists every metric of the catalogue', () => {
  const missing = Object.keys(METRICS).filter((name) => !operations.includes(`| \`${name}\` |`));
  assert.deepEqual(missing, []);
});

test('the metric names in docs/operations.md (alerts included) are ones Floe exports', async () => {
  const exported = await exportedSeries();
  const unknown = [...new Set(operations.match(METRIC_TOKEN) ?? [])].filter((name) => !exported.has(name));
  assert.deepEqual(unknown, []);
});

test('the Grafana dashboard queries only metrics Floe exports, and every panel has a query', async () => {
  const exported = await exportedSeries();
  const queries = [
    ...dashboard.panels.filter((p) => p.type !== 'row').flatMap((p) => {
      assert.ok(p.targets && p.targets.length > 0, JSON.stringify(p));
      return p.targets.map((t) => t.expr);
    }),
    ...dashboard.templating.list.map((v) => v.query),
  ];
  for (const query of queries) {
    const names = query.match(METRIC_TOKEN) ?? [];
    assert.ok(names.length > 0, `no Floe or Node metric in ${query}`);
    for (const name of names) assert.ok(exported.has(name), `${name} (in ${query}) is not exported`);
  }
});
