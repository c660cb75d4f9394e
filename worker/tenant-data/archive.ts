/**
 * One archive object in R2 written across many bounded steps: an R2 multipart upload whose parts all have the same
 * size (R2 requires every part but the last to be equal and at least 5 MiB). What a step appends is added to the
 * bytes carried over from the step before; every whole part is uploaded, and the rest (less than a part) is kept in a
 * carry object for the next step. Each carry object is named by the step that wrote it, so a step that is retried
 * after a crash still finds the carry it started from; the caller deletes the older one once its cursor is saved.
 */

export const PART_SIZE = 8 * 1024 * 1024;

export interface ArchiveState {
  key: string;
  uploadId: string;
  parts: R2UploadedPart[];
  /** Bytes carried to the next step (fewer than a part), or null. */
  carryKey: string | null;
  /** Bytes appended so far, uploaded or carried. */
  size: number;
}

export async function openArchive(bucket: R2Bucket, key: string): Promise<ArchiveState> {
  const upload = await bucket.createMultipartUpload(key, { httpMetadata: { contentType: "application/x-tar" } });
  return { key, uploadId: upload.uploadId, parts: [], carryKey: null, size: 0 };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function carried(bucket: R2Bucket, state: ArchiveState): Promise<Uint8Array> {
  if (!state.carryKey) return new Uint8Array(0);
  const object = await bucket.get(state.carryKey);
  if (!object) throw new Error(`the archive's carry ${state.carryKey} is missing`);
  return new Uint8Array(await object.arrayBuffer());
}

/**
 * Appends `chunks` after what earlier steps appended; `step` names this step's carry object. Returns the new state
 * and the carry object that is obsolete once the new state is saved (delete it then, not before).
 */
export async function appendToArchive(
  bucket: R2Bucket,
  state: ArchiveState,
  chunks: Uint8Array[],
  step: number,
): Promise<{ state: ArchiveState; obsolete: string | null }> {
  const bytes = concat([await carried(bucket, state), ...chunks]);
  const upload = bucket.resumeMultipartUpload(state.key, state.uploadId);
  const parts = [...state.parts];
  let at = 0;
  for (; bytes.length - at >= PART_SIZE; at += PART_SIZE) {
    parts.push(await upload.uploadPart(parts.length + 1, bytes.subarray(at, at + PART_SIZE)));
  }
  let carryKey: string | null = null;
  if (at < bytes.length) {
    carryKey = `${state.key}.carry-${step}`;
    await bucket.put(carryKey, bytes.subarray(at));
  }
  const appended = chunks.reduce((n, c) => n + c.length, 0);
  return { state: { ...state, parts, carryKey, size: state.size + appended }, obsolete: state.carryKey !== carryKey ? state.carryKey : null };
}

/** Appends the last bytes, uploads the last part and completes the object. Returns its size. */
export async function finishArchive(bucket: R2Bucket, state: ArchiveState, last: Uint8Array[]): Promise<number> {
  const bytes = concat([await carried(bucket, state), ...last]);
  const upload = bucket.resumeMultipartUpload(state.key, state.uploadId);
  const parts = [...state.parts];
  for (let at = 0; at < bytes.length; at += PART_SIZE) {
    parts.push(await upload.uploadPart(parts.length + 1, bytes.subarray(at, Math.min(at + PART_SIZE, bytes.length))));
  }
  await upload.complete(parts);
  if (state.carryKey) await bucket.delete(state.carryKey);
  return state.size + last.reduce((n, c) => n + c.length, 0);
}

/** Gives up an unfinished archive: the upload and its carry. */
export async function abortArchive(bucket: R2Bucket, state: ArchiveState): Promise<void> {
  await bucket.resumeMultipartUpload(state.key, state.uploadId).abort();
  if (state.carryKey) await bucket.delete(state.carryKey);
}
