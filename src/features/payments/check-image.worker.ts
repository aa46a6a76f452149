import { renderCheckPng, type CheckData } from './check-image.ts';

/** A worker thread of the check pool (check-image-pool.ts): one check image per task. */
export default function renderCheck(c: CheckData): Uint8Array {
  return renderCheckPng(c);
}
