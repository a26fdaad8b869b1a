// Reading the log forward from the head: the first entry alone (at the head that GET is the
// whole probe), then windows doubling up to LOG_TAIL_FETCH_PARALLEL_MAX in flight, until one
// entry is missing or the round is full.
import { CATCH_UP_ROUND_ENTRIES_MAX, LOG_TAIL_FETCH_PARALLEL_MAX } from '../config/index.js';
import type { ObjectStore } from '../objectstore/index.js';
import type { Clock } from '../util/index.js';
import { StoreUnavailable } from './errors.js';
import { logKey } from './layout.js';

/** One catch-up round: consecutive entries from `fromSeq`, and the 404 that ended them. */
export interface TailRound {
  entries: Buffer[];
  /** seq of the first missing entry, when the round reached the end of the log */
  missingSeq: number | undefined;
  /** local time the GET that saw it missing was sent */
  missingSentMs: number;
}

export async function fetchTail(objects: ObjectStore, clock: Clock, fromSeq: number): Promise<TailRound> {
  const entries: Buffer[] = [];
  let window = 1;
  while (entries.length < CATCH_UP_ROUND_ENTRIES_MAX) {
    const first = fromSeq + entries.length;
    const sentMs = clock.nowMs();
    const seqs = Array.from({ length: Math.min(window, CATCH_UP_ROUND_ENTRIES_MAX - entries.length) }, (_, i) => first + i);
    const outcomes = await Promise.all(seqs.map((seq) => objects.get(logKey(seq))));
    for (const [i, found] of outcomes.entries()) {
      const seq = first + i;
      if (found.kind === 'unknown') throw new StoreUnavailable(`cannot read ${logKey(seq)}: ${found.cause.message}`);
      if (found.kind === 'notFound') return { entries, missingSeq: seq, missingSentMs: sentMs };
      entries.push(found.body);
    }
    window = Math.min(window * 2, LOG_TAIL_FETCH_PARALLEL_MAX);
  }
  return { entries, missingSeq: undefined, missingSentMs: -Infinity };
}
