// Errors of the contract: a catalog or an event that breaks it, with a code.
import type { z } from 'zod';

export type ContractErrorCode =
  | 'CATALOG_INVALID'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNKNOWN_EVENT_VERSION'
  | 'EVENT_DATA_INVALID'
  | 'EVENT_METADATA_INVALID'
  | 'NOT_PRODUCER';

/** A contract rule was broken: never worth retrying. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    options?: { cause?: unknown; issues?: z.core.$ZodIssue[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.issues = options?.issues ?? [];
  }
  /** zod issues, when the error comes from validation. */
  readonly issues: z.core.$ZodIssue[];
}

/** Formats zod issues as `path: message` lines, naming every wrong field. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
