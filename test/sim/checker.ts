// The history checker. It rebuilds the true log from every object ever created under log/
// (the first version of each key; later versions are entries re-created after GC, which no
// one may ever acknowledge), verifies the `prev` chain, replays it, and checks the history:
//   1. every acknowledged commit is in the true log, exactly once;
//   2. no commit answered as a definite failure is in it; an unknown one is at most once;
//   3. real-time order: an operation that starts after another completed sees at least its
//      seq (strictly more for a commit); a rejection was decided on such a state;
//   4. replaying the log reproduces every read and justifies every rejection;
//   5. the bank invariant: transfers keep the sum of balances at every seq.
import { createHash } from 'node:crypto';
import { CatalogState, decodeEntry, sha256, type LogEntry } from '../../src/store/index.js';
import type { ArchivedObject } from './sim-store.js';

export type OpKind = 'transfer' | 'cas' | 'nsCreate' | 'nsDrop' | 'read' | 'boundedRead';

export interface Op {
  id: string;
  client: number;
  node: string;
  kind: OpKind;
  invokeMs: number;
  completeMs: number;
  outcome: 'ok' | 'fail' | 'unknown';
  error?: string;
  /** reads: the seq served and a digest of the state served */
  readSeq?: number;
  readDigest?: string;
  /** rejections: the seq they were decided at, and what was required */
  decidedSeq?: number;
  required?: { tables?: Record<string, string>; nsAbsent?: string; nsPresent?: string };
}

export const BANK_NS = 'bank';

export function stateDigest(state: CatalogState): string {
  const namespaces = [...state.namespaces.keys()].sort();
  const tables = [...state.tables.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, t]) => `${k}=${t.metadataLocation}`);
  return createHash('sha1').update(JSON.stringify([namespaces, tables])).digest('hex').slice(0, 16);
}

export const balanceOf = (location: string): number => Number(location.split('|')[0]);

export interface TrueLog {
  entries: LogEntry[];
  /** op id (carried as the txn's idempotency key) → seq of the entry holding it */
  opSeqs: Map<string, number[]>;
  phantoms: number;
}

export function trueLog(identityBytes: Buffer, archive: ArchivedObject[], violations: string[]): TrueLog {
  const firstByKey = new Map<string, ArchivedObject>();
  let phantoms = 0;
  for (const object of archive) {
    if (firstByKey.has(object.key)) phantoms++;
    else firstByKey.set(object.key, object);
  }
  const entries: LogEntry[] = [];
  const opSeqs = new Map<string, number[]>();
  let prev = sha256(identityBytes);
  const keys = [...firstByKey.keys()].sort();
  for (const [i, key] of keys.entries()) {
    const object = firstByKey.get(key)!;
    const entry = decodeEntry(object.body, key);
    if (entry.seq !== i + 1) {
      violations.push(`log has a gap: ${key} is number ${i + 1}`);
      break;
    }
    if (entry.prev !== prev) violations.push(`broken chain at seq ${entry.seq}`);
    prev = sha256(object.body);
    entries.push(entry);
    for (const txn of entry.txns) {
      if (!txn.idem) continue;
      const seqs = opSeqs.get(txn.idem.key) ?? [];
      seqs.push(entry.seq);
      opSeqs.set(txn.idem.key, seqs);
    }
  }
  return { entries, opSeqs, phantoms };
}

/** Replays the log and returns the state digest at every seq (0 = empty). */
function replay(log: TrueLog, bankTotal: number, violations: string[]): { digests: string[]; states: Map<number, CatalogState>; wanted: Set<number> } & { at: (seq: number) => CatalogState | undefined } {
  const state = new CatalogState();
  const digests = [stateDigest(state)];
  const snapshots: StateSnap[] = [snap(state)];
  for (const entry of log.entries) {
    for (const txn of entry.txns) {
      for (const effect of txn.effects) {
        const why = state.conflict(effect);
        if (why) violations.push(`replay: seq ${entry.seq} does not apply (${effect.op}: ${why})`);
        else state.apply(effect);
      }
    }
    digests.push(stateDigest(state));
    snapshots.push(snap(state));
    const accounts = [...state.tables.values()].filter((t) => t.ns[0] === BANK_NS);
    if (accounts.length > 0) {
      const sum = accounts.reduce((s, t) => s + balanceOf(t.metadataLocation), 0);
      if (sum !== bankTotal) violations.push(`bank invariant broken at seq ${entry.seq}: sum ${sum}, expected ${bankTotal}`);
    }
  }
  return { digests, states: new Map(), wanted: new Set(), at: (seq) => (seq < snapshots.length ? unsnap(snapshots[seq]!) : undefined) };
}

interface StateSnap {
  namespaces: string[];
  tables: Map<string, string>;
}
const snap = (state: CatalogState): StateSnap => ({
  namespaces: [...state.namespaces.keys()],
  tables: new Map([...state.tables.entries()].map(([k, t]) => [k, t.metadataLocation])),
});
function unsnap(s: StateSnap): CatalogState {
  const state = new CatalogState();
  for (const ns of s.namespaces) state.namespaces.set(ns, { levels: ns.split('\u001f'), properties: {} });
  for (const [k, location] of s.tables) {
    const [ns, name] = k.split('\u0000') as [string, string];
    state.tables.set(k, { ns: ns.split('\u001f'), name, metadataLocation: location });
  }
  return state;
}

export interface CheckInput {
  identityBytes: Buffer;
  archive: ArchivedObject[];
  ops: Op[];
  bankTotal: number;
  /** replicas' (and a fresh verifier's) head and state digest at the end */
  finals: { node: string; seq: number; digest: string }[];
}

export interface CheckResult {
  violations: string[];
  headSeq: number;
  phantoms: number;
  checked: { commitsOk: number; commitsFailed: number; commitsUnknown: number; reads: number };
}

export function checkHistory(input: CheckInput): CheckResult {
  const violations: string[] = [];
  const log = trueLog(input.identityBytes, input.archive, violations);
  const replayed = replay(log, input.bankTotal, violations);
  const headSeq = log.entries.length;
  const commits = input.ops.filter((o) => o.kind !== 'read' && o.kind !== 'boundedRead');
  const checked = { commitsOk: 0, commitsFailed: 0, commitsUnknown: 0, reads: 0 };

  // 1, 2: acknowledged commits are in the log exactly once, failed ones are not
  const seqOf = new Map<string, number>();
  for (const op of commits) {
    const seqs = log.opSeqs.get(op.id) ?? [];
    if (seqs.length > 1) violations.push(`${op.id} (${op.kind}) is in the log ${seqs.length} times: seqs ${seqs.join(',')}`);
    if (op.outcome === 'ok') {
      checked.commitsOk++;
      if (op.decidedSeq !== undefined) continue; // answered without writing (noop)
      if (seqs.length === 0) violations.push(`LOST WRITE: ${op.id} (${op.kind} via ${op.node}) was acknowledged at ${op.completeMs} ms but is not in the log`);
      else seqOf.set(op.id, seqs[0]!);
    } else if (op.outcome === 'fail') {
      checked.commitsFailed++;
      if (seqs.length > 0) violations.push(`${op.id} (${op.kind} via ${op.node}) was answered as failed (${op.error}) but is at seq ${seqs[0]}`);
    } else {
      checked.commitsUnknown++;
    }
  }

  // 3: real-time order over acknowledged commits, linearizable reads and rejections
  interface Point { op: Op; seq: number; strict: boolean }
  const points: Point[] = [];
  for (const op of input.ops) {
    if (op.kind === 'read' && op.outcome === 'ok') points.push({ op, seq: op.readSeq!, strict: false });
    else if (op.decidedSeq !== undefined) points.push({ op, seq: op.decidedSeq, strict: false });
    else if (op.outcome === 'ok' && seqOf.has(op.id)) points.push({ op, seq: seqOf.get(op.id)!, strict: true });
  }
  const byComplete = [...points].sort((a, b) => a.op.completeMs - b.op.completeMs);
  const byInvoke = [...points].sort((a, b) => a.op.invokeMs - b.op.invokeMs);
  let done = 0;
  let maxSeq = 0;
  let maxOp: Op | undefined;
  for (const b of byInvoke) {
    while (done < byComplete.length && byComplete[done]!.op.completeMs < b.op.invokeMs) {
      const a = byComplete[done++]!;
      if (a.seq > maxSeq) [maxSeq, maxOp] = [a.seq, a.op];
    }
    if (b.strict ? b.seq <= maxSeq : b.seq < maxSeq) {
      violations.push(`REAL-TIME ORDER: ${b.op.id} (${b.op.kind} via ${b.op.node}, started ${b.op.invokeMs} ms) is at seq ${b.seq}, but ${maxOp!.id} (${maxOp!.kind} via ${maxOp!.node}) completed at ${maxOp!.completeMs} ms at seq ${maxSeq}`);
    }
  }

  // 4: replay reproduces every read and justifies every rejection
  for (const op of input.ops) {
    if ((op.kind === 'read' || op.kind === 'boundedRead') && op.outcome === 'ok') {
      checked.reads++;
      const expected = replayed.digests[op.readSeq!];
      if (expected === undefined) violations.push(`${op.id} read seq ${op.readSeq} beyond the log head ${headSeq}`);
      else if (expected !== op.readDigest) violations.push(`STALE/WRONG READ: ${op.id} via ${op.node} served seq ${op.readSeq} with a state that replay does not produce`);
    }
    if (op.decidedSeq !== undefined && op.required) {
      const state = replayed.at(op.decidedSeq);
      if (!state) {
        violations.push(`${op.id} decided at seq ${op.decidedSeq} beyond the log head ${headSeq}`);
        continue;
      }
      const r = op.required;
      const holds =
        Object.entries(r.tables ?? {}).every(([k, v]) => state.tables.get(k)?.metadataLocation === v) &&
        (r.nsAbsent === undefined || !state.namespaces.has(r.nsAbsent)) &&
        (r.nsPresent === undefined || state.namespaces.has(r.nsPresent));
      const rejected = op.outcome === 'fail';
      if (rejected === holds) {
        violations.push(`${op.id} (${op.kind} via ${op.node}) was ${rejected ? 'rejected' : 'answered without writing'} at seq ${op.decidedSeq}, but replay says its requirement ${holds ? 'held' : 'failed'} there`);
      }
    }
  }

  // the replicas agree with the log
  for (const f of input.finals) {
    if (replayed.digests[f.seq] !== f.digest) violations.push(`replica ${f.node} at seq ${f.seq} holds a state that replay does not produce`);
  }
  return { violations, headSeq, phantoms: log.phantoms, checked };
}
