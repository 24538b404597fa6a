// One line of doctor's checklist: what every check, local or AWS-only, returns.

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it fails. */
  fix?: string;
  /** Not checked here (e.g. it needs AWS and this is an emulator); `detail` says why. */
  skipped?: boolean;
}
