// `floe serve` wires one logger and one registry through every layer: after a commit, /metrics
// carries what the store, its committer and the object store underneath recorded, and the gauges
// read from the store's state at scrape time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../../src/cli/serve.js';
import { loadSettings } from '../../src/config/index.js';
import { createLogger } from '../../src/http/index.js';

/** The value of one sample line of the Prometheus text format (undefined: not exported). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}` : ''}`) && !l.startsWith('#'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('serve exports the store, committer and object-store metrics after a commit', async () => {
  const settings = loadSettings({ env: {}, flags: { object_store_url: 'memory://', port: '0' } });
  const log = createLogger({ level: 'silent', format: 'json', destination: { write: () => undefined } });
  const handle = await serve(settings, () => undefined, log);
  try {
    const before = await (await fetch(`${handle.url}/metrics`)).text();
    const created = await fetch(`${handle.url}/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: ['metrics'] }),
    });
    assert.equal(created.status, 200);
    const after = await (await fetch(`${handle.url}/metrics`)).text();

    assert.ok((sample(after, 'floe_log_head_seq') ?? 0) > (sample(before, 'floe_log_head_seq') ?? 0), 'the head gauge moved with the commit');
    assert.ok((sample(after, 'floe_commit_batch_size_count') ?? 0) >= 1, 'the committer observed its batch');
    assert.ok((sample(after, 'floe_commit_duration_seconds_count', 'outcome=') ?? 0) >= 1, 'the commit duration was observed');
    assert.ok(
      (sample(after, 'floe_objectstore_requests_total', 'backend="memory",operation="putIfAbsent"') ?? 0) >= 1,
      'the log append went through the instrumented object store',
    );
    assert.notEqual(sample(after, 'floe_purge_queue_length'), undefined);
    assert.notEqual(sample(after, 'floe_checkpoint_seq'), undefined);
  } finally {
    await handle.close();
  }
});
