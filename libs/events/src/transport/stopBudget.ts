// How a service spends the time between SIGTERM and SIGKILL. One number is given (the grace
// period); everything else derives from it: the subscribers' drain, the runtime's forced exit, ECS's
// stopTimeout and compose's stop_grace_period.

/** Seconds between SIGTERM and SIGKILL, on ECS (`stopTimeout`) and in compose (`stop_grace_period`). */
export const STOP_GRACE_SECONDS = 30;

/** Kept after the drain for the publisher's last batches and the traces' export. */
export const FLUSH_MS = 4_000;

/** Left before the kill for the process to exit. */
export const EXIT_MARGIN_MS = 1_000;

/** The longest subscribers drain in-flight handlers: what the grace period leaves. The default and maximum of SHUTDOWN_TIMEOUT_MS. */
export const DRAIN_MS = STOP_GRACE_SECONDS * 1000 - FLUSH_MS - EXIT_MARGIN_MS;

/** When the runtime exits anyway, for a drain of `drainMs`: before the kill, for any drain up to {@link DRAIN_MS}. */
export const forcedExitMs = (drainMs: number): number => drainMs + FLUSH_MS;
