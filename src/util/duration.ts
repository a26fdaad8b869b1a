// ISO-8601 durations of fixed length: PnW, PnDTnHnMnS with any of the parts (seconds may have a
// fraction). Years and months have no fixed length in milliseconds, so they are refused.
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const WEEK_MS = 7 * 86_400_000;
const UNIT_MS = [WEEK_MS, 86_400_000, 3_600_000, 60_000, 1000];

/** Milliseconds of an ISO-8601 duration such as PT30M, P1D, PT1H30M, PT0.5S; undefined when invalid. */
export function isoDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  // 'P' and 'PT' alone match the pattern but name no duration
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) ms += Number(part.replace(',', '.')) * UNIT_MS[i]!;
  }
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
