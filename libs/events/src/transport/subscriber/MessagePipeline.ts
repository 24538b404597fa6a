// One received message, from decode to settle: decode, claim, handle, then settle it (delete,
// retry, defer or dead-letter). The Subscriber polls and hands each message here; every step of a
// message happens in this file, in order, except the call of a batch handler (batchHandler.ts),
// which borrows the same steps for each of its events.
import type { EventEmitter } from 'node:events';
import { context as otelContext, trace, type Context } from '@opentelemetry/api';
import type { Catalog } from '../../contract/catalog';
import { decodeEnvelope, type DecodeChecks } from '../../contract/codec';
import type { EventEnvelope } from '../../contract/envelope';
import { MAX_SNS_MESSAGE_BYTES } from '../attributes';
import { whileHandling } from '../causation';
import type { Logger } from '../logger';
import { backoffDelayMs } from '../retry';
import { contextFromTraceparent, endMessagingSpan, startMessagingSpan } from '../tracing';
import type { ClaimOutcome, IdempotencyStore } from './idempotency';
import type { InFlightMessages, Lease } from './InFlightMessages';
import { readIncomingMessage } from './incomingMessage';
import type { QueueActions } from './QueueActions';
import { HandlerTimeoutError, PermanentError, withinTimeout } from './handlerErrors';
import type { DeadLetterCode, HandlerContext, SubscriberEvents } from './types';
import { runBatchHandler, type BatchSteps } from './batchHandler';
import type { Claimed, Registration } from './registration';
import { MemberLease, Pack } from './packs';
import { MAX_PACK_EVENTS, packEntriesOf } from '../../contract/pack';

/** A pack's events with per-event handlers run this many at a time. */
const PACK_HANDLERS_AT_ONCE = 10;

/** A received message read, or one event of a pack: what is claimed. */
interface Opened {
  lease: Lease;
  body: unknown;
  traceparent: string | undefined;
}

export interface PipelineDeps {
  catalog: Catalog;
  handlers: ReadonlyMap<string, Registration>;
  queueUrl: string;
  store: IdempotencyStore;
  /** Prefix of this subscriber's keys in the store. */
  scope: string;
  settings: { retryBaseSeconds: number; retryMaxSeconds: number; idempotencyWindowMs: number; requestTimeoutMs: number };
  decodeChecks: DecodeChecks;
  inFlight: InFlightMessages;
  actions: QueueActions;
  /** The subscriber: what happens to each message is told through its events. */
  events: EventEmitter<SubscriberEvents>;
  logger: Logger;
  /** Aborted when shutdown's deadline passes. */
  handlerSignal: () => AbortSignal;
}

export class MessagePipeline {
  /**
   * Handlers that outlived their timeout and still run, by event id. Their claims stay held (as
   * Powertools keeps an in-progress record until it expires): a redelivery of the event here counts
   * as another timeout, and a replica's waits for the claim to complete or expire.
   */
  private readonly abandoned = new Map<string, Promise<void>>();

  /** What a batch handler's events share with the per-event path. */
  private readonly batchSteps: BatchSteps;

  /**
   * Packs are claimed whole (one store record per pack) when the store can, and no handler here
   * has a timeout: a timed-out handler keeps its own event's claim while it runs on (abandon),
   * which only per-event claims can hold.
   */
  private readonly claimsPacks: boolean;

  constructor(private readonly deps: PipelineDeps) {
    this.claimsPacks = deps.store.claimPack !== undefined && deps.store.releasePack !== undefined && [...deps.handlers.values()].every((r) => r.handlerTimeoutMs === undefined);
    this.batchSteps = {
      keepAlive: ({ lease, key }) => this.deps.actions.keepAlive(lease, packClaimed(lease) ? undefined : () => void this.renewClaim(key)),
      succeeded: (item, started, traceContext) => this.succeeded(item, started, traceContext),
      failed: (item, error, started) => this.handlerFailed(item.lease, item.envelope, item.key, error, started),
      abandon: (item, running) => this.abandon(item.envelope.id, item.key, running),
      shutdownSignal: () => this.deps.handlerSignal(),
      logger: deps.logger,
    };
  }

  /** Takes one received message to its end: handled and deleted, retried, deferred or dead-lettered. */
  async run(lease: Lease): Promise<void> {
    const opened = await this.open(lease);
    if (opened === undefined) return;
    if (opened instanceof Pack) {
      let failure: unknown;
      const closing: Promise<void>[] = [];
      await this.runOpened(unitsOf(opened), this.settleMembers((_, error) => (failure ??= error), closing));
      await Promise.all(closing);
      if (failure !== undefined) throw failure;
      return;
    }
    const claimed = await this.claim(opened);
    if (claimed === undefined) return;
    if ('each' in claimed.registration.handler) return this.handle(claimed, claimed.registration.handler.each);
    return runBatchHandler(this.batchSteps, claimed.registration, claimed.registration.handler.batch, [claimed], (_, error) => {
      if (error !== undefined) throw error;
    });
  }

  /**
   * Takes one receive's messages to their end. Each is decoded and claimed on its own (the claims
   * go to the store together); the events of a type with a batch handler go to it in one call, in
   * the order received, and the rest run one by one. `done` is called for each message as soon as
   * it came to its end (its slot frees then: a retried message may be received again at once),
   * with the error when its processing failed unexpectedly (it comes back after its visibility timeout).
   * A pack's events run as the receive's other events do, its per-event handlers ten at a time; the
   * pack's message comes to its end when all of them have.
   */
  async runBatch(leases: readonly Lease[], done: (lease: Lease, error?: unknown) => void): Promise<void> {
    const closing: Promise<void>[] = [];
    const settle = this.settleMembers(done, closing);
    const units: Opened[] = [];
    await Promise.all(
      leases.map((lease) =>
        this.open(lease).then(
          (opened) => {
            if (opened === undefined) done(lease);
            else if (opened instanceof Pack) units.push(...unitsOf(opened));
            else units.push(opened);
          },
          (error: unknown) => void done(lease, error),
        ),
      ),
    );
    await this.runOpened(units, settle);
    await Promise.all(closing);
  }

  private async runOpened(units: readonly Opened[], done: (lease: Lease, error?: unknown) => void): Promise<void> {
    const finished = (lease: Lease) => [() => done(lease), (error: unknown) => done(lease, error)] as const;
    const claimed = await Promise.all(
      units.map((unit) =>
        this.claim(unit).then(
          (item) => {
            if (item === undefined) done(unit.lease);
            return item;
          },
          (error: unknown) => void done(unit.lease, error),
        ),
      ),
    );
    const batches = new Map<Registration, Claimed[]>();
    const running: Promise<void>[] = [];
    const members: Claimed[] = [];
    for (const item of claimed) {
      if (item === undefined) continue;
      const { handler } = item.registration;
      if ('each' in handler) {
        if (item.lease instanceof MemberLease) members.push(item);
        else running.push(this.handle(item, handler.each).then(...finished(item.lease)));
      } else {
        // A receive of packs can hold thousands of one type's events: appended, not copied each time.
        const batch = batches.get(item.registration);
        if (batch) batch.push(item);
        else batches.set(item.registration, [item]);
      }
    }
    for (const [registration, items] of batches) {
      if (!('batch' in registration.handler)) continue;
      running.push(runBatchHandler(this.batchSteps, registration, registration.handler.batch, items, done).catch((error: unknown) => items.forEach((item) => done(item.lease, error))));
    }
    // A pack's events with per-event handlers: ten at a time, as a receive's worth of messages.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < members.length) {
        const item = members[next++]!;
        if ('each' in item.registration.handler) await this.handle(item, item.registration.handler.each).then(...finished(item.lease));
      }
    };
    for (let i = 0; i < Math.min(PACK_HANDLERS_AT_ONCE, members.length); i += 1) running.push(worker());
    await Promise.all(running);
  }

  /**
   * `done` for the leases of one receive: a pack's event ends inside its pack, and the pack's
   * message comes to its end (deleted, or back for its failed events) when its last event does.
   */
  private settleMembers(done: (lease: Lease, error?: unknown) => void, closing: Promise<void>[]): (lease: Lease, error?: unknown) => void {
    return (lease, error) => {
      if (!(lease instanceof MemberLease)) return done(lease, error);
      const { pack } = lease;
      if (error !== undefined) pack.unexpected ??= error;
      if (++pack.ended < pack.members.length) return;
      closing.push(
        this.closePack(pack).then(
          () => done(pack.lease, pack.unexpected),
          (closeError: unknown) => done(pack.lease, closeError),
        ),
      );
    };
  }

  /** Every event of the pack has ended: the message is deleted, or comes back for the ones to retry. */
  private async closePack(pack: Pack): Promise<void> {
    pack.stopHeartbeat();
    for (const member of pack.members) if (member.claimedEventId !== undefined) this.deps.inFlight.releaseEvent(member.claimedEventId);
    const whole = pack.retryDelaySeconds === undefined && pack.unexpected === undefined && !pack.lease.released;
    if (pack.claimKey !== undefined) {
      // One write for the pack: done, or given up with the places of the events that are.
      const window = this.deps.settings.idempotencyWindowMs;
      await (whole ? this.deps.store.complete(pack.claimKey, window) : this.deps.store.releasePack?.(pack.claimKey, [...pack.done], window));
    }
    // Unexpected failure: it comes back after its visibility timeout, and its completed events are duplicates then.
    if (pack.unexpected !== undefined || pack.lease.released) return;
    if (pack.retryDelaySeconds === undefined) return this.deps.actions.delete(pack.lease);
    await this.deps.actions.changeVisibility(pack.lease, pack.retryDelaySeconds);
  }

  /**
   * Reads a received message: one event, or a pack of them (its heartbeat then runs until the pack
   * closes); undefined when it came to its end here (dead-lettered, or on its way to the DLQ).
   */
  private async open(lease: Lease): Promise<Opened | Pack | undefined> {
    const { message } = lease;
    if (this.deps.actions.isRedriving(lease)) {
      // The DLQ refused its copy: each receive brings it closer to RedrivePolicy's move.
      await this.deps.actions.changeVisibility(lease, 0);
      return undefined;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long body needs counting.
    const body = message.Body ?? '';
    const size = body.length * 3 > MAX_SNS_MESSAGE_BYTES ? Buffer.byteLength(body, 'utf8') : 0;
    if (size > MAX_SNS_MESSAGE_BYTES) {
      // No publisher of ours can send this (SNS stops at 256 KiB): it came some other way.
      return void (await this.deadLetter(lease, 'MESSAGE_TOO_LARGE', `Message body is ${size} bytes; events are at most ${MAX_SNS_MESSAGE_BYTES}`));
    }
    const read = readIncomingMessage(message);
    if (!read.ok) return void (await this.deadLetter(lease, read.code, read.reason));
    if (this.deps.events.listenerCount('received') > 0) this.deps.events.emit('received', { messageId: lease.messageId, receiveCount: lease.receiveCount });
    const entries = packEntriesOf(read.message.body);
    if (entries === undefined) return { lease, body: read.message.body, traceparent: read.message.traceparent };
    if (entries.length === 0 || entries.length > MAX_PACK_EVENTS) {
      return void (await this.deadLetter(lease, 'INVALID_ENVELOPE', `Invalid envelope: a pack holds 1 to ${MAX_PACK_EVENTS} events; this one ${entries.length}`));
    }
    const pack = new Pack(lease, entries);
    if (this.claimsPacks) {
      // The pack's key: its first event's id (each event is packed once; a pack is re-sent whole).
      const first = pack.members[0]?.event as { id?: unknown } | undefined;
      const key = this.key(`pack:${typeof first?.id === 'string' ? first.id.slice(0, 128) : lease.messageId}`);
      const claim = await this.deps.store.claimPack!(key, this.inProgressTtlMs());
      if (claim.outcome === 'completed') return void (await this.deps.actions.delete(lease));
      if (claim.outcome === 'in-progress') return this.defer(lease, key);
      pack.claimKey = key;
      for (const index of claim.done) if (index >= 0 && index < pack.members.length) pack.done.add(index);
      pack.ended = pack.done.size;
      if (pack.ended === pack.members.length) {
        // Every event was done, but the pack was not completed: complete it now.
        await this.deps.store.complete(key, this.deps.settings.idempotencyWindowMs);
        return void (await this.deps.actions.delete(lease));
      }
    }
    pack.stopHeartbeat = this.deps.actions.keepAlive(lease, () => {
      pack.beat();
      if (pack.claimKey !== undefined) void this.renewClaim(pack.claimKey);
    });
    return pack;
  }

  /** Decodes an event and claims it; undefined when it came to its end here (dead-lettered, a duplicate, deferred). */
  private async claim({ lease, body, traceparent }: Opened): Promise<Claimed | undefined> {
    const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
    const registration = typeof type === 'string' ? this.deps.handlers.get(type) : undefined;
    const decoded = decodeEnvelope(this.deps.catalog, body, registration?.version, registration?.reader, this.deps.decodeChecks);
    if (!decoded.ok) return void (await this.deadLetter(lease, decoded.code, decoded.reason, decoded.eventId, decoded.type));
    const { envelope } = decoded;
    if (!registration) return void (await this.deadLetter(lease, 'NO_HANDLER', `No handler for ${envelope.type} on ${this.deps.queueUrl}`, envelope.id, envelope.type));
    const key = this.key(envelope.id);
    if (this.abandoned.has(envelope.id)) {
      // Its handler from an earlier receive still runs past its timeout: this receive times out too.
      const timeoutMs = registration.handlerTimeoutMs ?? 0;
      return void (await this.handlerFailed(lease, envelope, key, new HandlerTimeoutError(envelope.id, timeoutMs, 'of an earlier receive still runs past its timeout'), performance.now()));
    }
    // The check and the claim are one step: locally (synchronous), then in the shared store.
    let claim: ClaimOutcome = 'in-progress';
    if (this.deps.inFlight.claimEvent(lease, envelope.id)) {
      // A pack claimed whole: its events have no claims of their own.
      const outcome = packClaimed(lease) ? 'claimed' : this.deps.store.claim(key, this.inProgressTtlMs());
      claim = typeof outcome === 'string' ? outcome : await outcome;
    }
    if (claim === 'completed') {
      this.deps.events.emit('duplicate', { envelope });
      return void (await this.deps.actions.delete(lease));
    }
    // Another message with this event is being handled; if that fails, this copy is its retry.
    if (claim === 'in-progress') return this.defer(lease, envelope.id);
    return { lease, registration, envelope, key, traceparent };
  }

  /**
   * Runs the handler in a consumer span, child of the producer's span (the `traceparent`
   * attribute), as the handling of `envelope` (what it publishes is caused by it); the outcome's
   * events and logs run in the span's context too. `key` is the event's claim in the store.
   */
  private async handle(claimed: Claimed, handler: (event: EventEnvelope, context: HandlerContext) => void | Promise<void>): Promise<void> {
    const { lease, registration, envelope, key, traceparent } = claimed;
    const started = performance.now();
    const stopHeartbeat = this.deps.actions.keepAlive(lease, packClaimed(lease) ? undefined : () => void this.renewClaim(key));
    const parent = contextFromTraceparent(traceparent, otelContext.active());
    const span = startMessagingSpan(registration.spanShape, parent);
    if (span.isRecording()) span.setAttributes({ 'messaging.message.id': envelope.id, 'messaging.message.conversation_id': envelope.correlationId });
    const traceContext = trace.setSpan(parent, span);
    const timeoutMs = registration.handlerTimeoutMs;
    const timeout = timeoutMs === undefined ? undefined : new AbortController();
    const signal = timeout ? AbortSignal.any([this.deps.handlerSignal(), timeout.signal]) : this.deps.handlerSignal();
    const context: HandlerContext = { messageId: lease.messageId, receiveCount: lease.receiveCount, traceContext, traceparent, signal };
    const running = invoke(() => otelContext.with(traceContext, () => whileHandling(envelope, () => handler(envelope, context))));
    try {
      await (timeout && timeoutMs !== undefined ? withinTimeout(running, timeoutMs, envelope.id, timeout) : running);
    } catch (error) {
      stopHeartbeat();
      endMessagingSpan(span, error);
      if (error instanceof HandlerTimeoutError) this.abandon(envelope.id, key, running);
      await otelContext.with(traceContext, () => this.handlerFailed(lease, envelope, key, error, started));
      return;
    }
    stopHeartbeat();
    endMessagingSpan(span);
    await this.succeeded(claimed, started, traceContext);
  }

  /** The handler applied the event: completed in the store, told, deleted. */
  private async succeeded({ lease, envelope, key }: Claimed, started: number, traceContext: Context): Promise<void> {
    if (packClaimed(lease)) lease.pack.finished(lease.index);
    else {
      const completed = this.deps.store.complete(key, this.deps.settings.idempotencyWindowMs);
      if (completed !== undefined) await completed;
    }
    if (this.deps.events.listenerCount('handled') > 0) {
      const handled = { envelope, durationMs: performance.now() - started, latencyMs: Date.now() - Date.parse(envelope.time) };
      otelContext.with(traceContext, () => this.deps.events.emit('handled', handled));
    }
    await this.deps.actions.delete(lease);
  }

  /**
   * A handler that outlived its timeout keeps its claim while it runs: when it ends well, the event
   * is completed (a redelivery finds it done and drops it); when it fails, the claim expires.
   */
  private abandon(eventId: string, key: string, running: Promise<unknown>): void {
    const settled = running.then(
      async () => {
        const completed = this.deps.store.complete(key, this.deps.settings.idempotencyWindowMs);
        if (completed !== undefined) await completed;
      },
      () => undefined,
    );
    this.abandoned.set(eventId, settled);
    void settled.catch((error: unknown) => this.deps.events.emit('transport-error', { operation: 'idempotency complete', error })).finally(() => this.abandoned.delete(eventId));
  }

  private async handlerFailed(lease: Lease, envelope: EventEnvelope, key: string, error: unknown, started: number): Promise<void> {
    const timedOut = error instanceof HandlerTimeoutError;
    // A timed-out handler still holds its claim (see abandon); any other failure gives it up.
    if (!timedOut && !packClaimed(lease)) await this.deps.store.release(key);
    // Counted against the newest receive: a redelivery while the handler ran raised it.
    const { receiveCount } = lease;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentError) {
      // "Never retry this one": to the DLQ now, with the handler's reason, counted by its own code.
      this.deps.logger.warn({ err: error, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, receiveCount }, 'handler rejected the event for good');
      if (lease.released) return;
      return this.deadLetter(lease, 'HANDLER_REJECTED', message, envelope.id, envelope.type);
    }
    this.deps.events.emit('failed', { envelope, error, receiveCount, durationMs: performance.now() - started });
    this.deps.logger.warn({ err: error, eventId: envelope.id, eventType: envelope.type, correlationId: envelope.correlationId, receiveCount }, timedOut ? 'handler timed out' : 'handler failed');
    if (lease.released) return;
    if (receiveCount >= this.deps.actions.maxReceiveCount) {
      return timedOut
        ? this.deadLetter(lease, 'HANDLER_TIMEOUT', `Handler timed out ${receiveCount} times: ${message}`, envelope.id, envelope.type)
        : this.deadLetter(lease, 'HANDLER_FAILED', `Handler failed ${receiveCount} times: ${message}`, envelope.id, envelope.type);
    }
    const delaySeconds = this.retryDelaySeconds(receiveCount);
    if (await this.deps.actions.changeVisibility(lease, delaySeconds)) this.deps.events.emit('retried', { envelope, receiveCount, delaySeconds });
  }

  private async deadLetter(lease: Lease, code: DeadLetterCode, reason: string, eventId?: string, type?: string): Promise<void> {
    // A pack's event may come back with its pack after it was parked: parked once, never twice.
    const parkedKey = lease instanceof MemberLease && !packClaimed(lease) ? this.key(`dead-lettered:${eventId ?? lease.messageId}`) : undefined;
    if (parkedKey !== undefined) {
      const outcome = this.deps.store.claim(parkedKey, this.inProgressTtlMs());
      const claim = typeof outcome === 'string' ? outcome : await outcome;
      if (claim === 'completed') return this.deps.actions.delete(lease);
      if (claim === 'in-progress') return void (await this.deps.actions.changeVisibility(lease, 1));
    }
    const outcome = await this.deps.actions.deadLetter(lease, `${code}: ${reason}`);
    const fields = { messageId: lease.messageId, code, reason, ...(eventId === undefined ? {} : { eventId }), ...(type === undefined ? {} : { type }) };
    if (outcome === 'retry-soon') {
      if (parkedKey !== undefined) await this.deps.store.release(parkedKey);
      this.deps.logger.error({ ...fields, eventType: type }, 'could not copy the message to the DLQ; trying again shortly');
      return;
    }
    const via = outcome === 'parked' ? 'copy' : 'redrive';
    this.deps.logger.error(
      { ...fields, eventType: type, via },
      via === 'copy' ? 'message dead-lettered' : 'the DLQ refused the copy; the message goes there through RedrivePolicy, without the reason attribute',
    );
    this.deps.events.emit('dead-lettered', { ...fields, via });
    if (outcome !== 'parked') return;
    if (packClaimed(lease)) lease.pack.finished(lease.index);
    if (parkedKey !== undefined) {
      // Its pack may come back for another event: this one is done, not to be handled or parked again.
      await this.deps.store.complete(parkedKey, this.deps.settings.idempotencyWindowMs);
      if (eventId !== undefined) await this.deps.store.complete(this.key(eventId), this.deps.settings.idempotencyWindowMs);
    }
    await this.deps.actions.delete(lease);
  }

  /** Someone else holds `claimed` (an event, or a pack): the message comes back after a backoff. */
  private async defer(lease: Lease, claimed: string): Promise<undefined> {
    const delaySeconds = Math.max(1, this.retryDelaySeconds(lease.receiveCount));
    await this.deps.actions.changeVisibility(lease, delaySeconds);
    this.deps.events.emit('deferred', { messageId: lease.messageId, eventId: claimed, delaySeconds });
    return undefined;
  }

  private key(eventId: string): string {
    return `${this.deps.scope}:${eventId}`;
  }

  private async renewClaim(key: string): Promise<void> {
    try {
      await this.deps.store.renew?.(key, this.inProgressTtlMs());
    } catch (error) {
      this.deps.events.emit('transport-error', { operation: 'idempotency renew', error });
    }
  }

  /** A claim outlives a dead holder about as long as its message stays hidden; heartbeats renew it. */
  private inProgressTtlMs(): number {
    return this.deps.actions.visibilityTimeoutSeconds * 1000 + this.deps.settings.requestTimeoutMs;
  }

  private retryDelaySeconds(receiveCount: number): number {
    return Math.round(backoffDelayMs(receiveCount - 1, this.deps.settings.retryBaseSeconds * 1000, this.deps.settings.retryMaxSeconds * 1000) / 1000);
  }
}

/** The handler's promise; a handler that throws before its first await rejects it too. */
function invoke(call: () => void | Promise<void>): Promise<void> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A pack's events still to run (those an earlier attempt finished are not run again), as units to claim. */
function unitsOf(pack: Pack): Opened[] {
  return pack.members.filter((member) => !pack.done.has(member.index)).map((member) => ({ lease: member, body: member.event, traceparent: member.traceparent }));
}

/** An event of a pack claimed whole: no claim of its own in the store. */
function packClaimed(lease: Lease): lease is MemberLease & { pack: { claimKey: string } } {
  return lease instanceof MemberLease && lease.pack.claimKey !== undefined;
}
