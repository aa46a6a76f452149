import type { Generated } from 'kysely';

// Imports: their runs, and the payments of bank registries (features/imports). Part of the one Database interface in schema.ts.

/** One run of an import (src/features/imports): a dry run, a refused file, or an application. */
export interface ImportRunsTable {
  id: Generated<number>;
  /** The format: 'registry' (payments from a bank or agent), … */
  kind: string;
  /** The format's profile (a registry's: 'sberbank', 'generic'). */
  profile: string;
  file_name: string;
  file_sha256: string;
  file_bytes: number;
  /** 'dry_run' | 'refused' | 'applying' | 'applied' */
  status: string;
  /** The last line whose batch is committed: an interrupted application resumes after it. */
  cursor_line: Generated<number>;
  /** JSON: the counts so far (added, unchanged, rejected, …) and file-level errors. */
  summary: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** A payment carried by a registry, once per (source, operation id): credited or unallocated. */
export interface RegistryPaymentsTable {
  id: Generated<number>;
  source: string;
  operation_id: string;
  import_run_id: number;
  line_no: number;
  paid_on: string;
  /** The account number as the registry gave it. */
  account_number: string;
  /** The account credited; null while unallocated. */
  account_id: number | null;
  amount_kop: number;
  commission_kop: number;
  payer_name: string;
  payer_address: string;
  /** The period paid for, 'YYYY-MM', when the registry says. */
  period: string | null;
  /** JSON array of the register values as written, when the line carried a reading. */
  reading_values: string | null;
  /** 'credited' | 'unallocated' */
  status: string;
  /** Why it is unallocated (unknown account, …), in Russian. */
  reason: string | null;
  payment_id: number | null;
  allocated_by: string | null;
  allocated_at: number | null;
  created_at: number;
}

/** A file uploaded in the back office for an import, and its background job (features/imports). */
export interface ImportUploadsTable {
  id: Generated<number>;
  /** The kind of import (features/imports/upload.kinds.ts): 'registry:sberbank', 'readings', … */
  kind: string;
  file_name: string;
  file_bytes: Generated<number>;
  /** Line ends counted while receiving (0 for .xlsx): the progress's total. */
  file_lines: Generated<number>;
  staff_user_id: number;
  /** 'receiving' | 'queued' | 'running' | 'done' | 'failed' */
  state: string;
  /** 'check' (a dry run) | 'apply' */
  mode: string;
  /** Runs started (a run taken over after a crash counts again). */
  attempts: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** The engine's pass under way: 'check' (reading every line) or 'apply'. */
  phase: string | null;
  lines_done: Generated<number>;
  /** The latest run of the engine (import_runs). */
  run_id: number | null;
  /** JSON: the engine's summary of the latest run. */
  summary: string | null;
  /** JSON: the first rows of its report (line, result, field, message). */
  rejected_preview: string | null;
  /** Why the job failed, in Russian. */
  error: string | null;
  created_at: number;
  updated_at: number;
  /** JSON: what was given with the file besides its kind (the accounts' region, «full file»); NULL if nothing. */
  options: string | null;
}

/** The uploaded file ('file') and its latest report ('report'), in chunks in order. */
export interface ImportUploadChunksTable {
  upload_id: number;
  part: string;
  seq: number;
  data: Buffer;
}
