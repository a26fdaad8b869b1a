// Metadata file naming and (de)serialisation (SERVER-RULES §2.7). Pure: bytes in, bytes out.
import { gunzipSync, gzipSync } from 'node:zlib';
import { limits } from '../config/index.js';
import { err, ok, parseJson, stringifyJson, type Result } from '../util/index.js';
import { invalid, type IcebergError } from './errors.js';

const { METADATA_FILE_BYTES_MAX } = limits;

const fileName = (location: string): string => location.slice(location.lastIndexOf('/') + 1);

/**
 * Version encoded in a metadata file name: `00007-<uuid>.metadata.json` → 7, legacy HadoopCatalog
 * `v3.metadata.json` → 3, anything else → -1.
 */
export function metadataFileVersion(location: string): number {
  const name = fileName(location);
  const dash = name.indexOf('-');
  if (dash > 0) {
    const prefix = name.slice(0, dash);
    return /^\d+$/.test(prefix) ? Number.parseInt(prefix, 10) : -1;
  }
  const legacy = /^v(\d+)(\.gz)?\.metadata\.json(\.gz)?$/.exec(name);
  return legacy ? Number.parseInt(legacy[1], 10) : -1;
}

export interface NewMetadataFileArgs {
  location: string;
  properties: Record<string, string>;
  previousLocation: string | undefined;
  uuid: string;
  defaultCodec: 'none' | 'gzip';
}

export function newMetadataFileLocation(args: NewMetadataFileArgs): string {
  const dir = (args.properties['write.metadata.path'] ?? `${args.location.replace(/\/+$/, '')}/metadata`).replace(/\/+$/, '');
  const version = args.previousLocation === undefined ? 0 : Math.max(0, metadataFileVersion(args.previousLocation) + 1);
  const codec = (args.properties['write.metadata.compression-codec'] ?? args.defaultCodec).toLowerCase();
  const ext = codec === 'gzip' ? '.gz.metadata.json' : '.metadata.json';
  return `${dir}/${String(version).padStart(5, '0')}-${args.uuid}${ext}`;
}

const isGzipName = (location: string): boolean =>
  location.endsWith('.gz.metadata.json') || location.endsWith('.metadata.json.gz');

/** Snapshot ids are int64s beyond 2^53: written and read losslessly (bigint ↔ JSON number). */
export function encodeMetadataFile(json: unknown, location: string): Buffer {
  const bytes = Buffer.from(stringifyJson(json), 'utf8');
  return isGzipName(location) ? gzipSync(bytes) : bytes;
}

/**
 * Inflates (when gzip) at most `maxBytes` and parses. The messages never quote the file: it may
 * be one no server wrote, and its bytes are not the caller's to see.
 */
export function decodeMetadataFile(bytes: Buffer, maxBytes: number = METADATA_FILE_BYTES_MAX): Result<unknown, IcebergError> {
  let plain = bytes;
  // Sniff the magic rather than trust the name: files get renamed and codecs change over time.
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      plain = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException | undefined)?.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
      return err(invalid(tooLarge ? `metadata file inflates to more than ${maxBytes} bytes` : 'metadata file is not valid gzip'));
    }
  }
  if (plain.length > maxBytes) return err(invalid(`metadata file is larger than ${maxBytes} bytes`));
  try {
    return ok(parseJson(plain.toString('utf8')));
  } catch {
    return err(invalid('metadata file is not valid JSON'));
  }
}
