// Tests: InFlightMessages.
import { describe, expect, it } from 'vitest';
import { InFlightMessages } from './InFlightMessages';

const message = (id: string, handle: string, receiveCount = 1) => ({ MessageId: id, ReceiptHandle: handle, Attributes: { ApproximateReceiveCount: String(receiveCount) } });

describe('InFlightMessages', () => {
  it('never hands out more slots than its capacity, leases and reservations together', () => {
    const inFlight = new InFlightMessages(5);
    expect(inFlight.reserve(10)).toBe(5);
    expect(inFlight.reserve(10)).toBe(0);
    inFlight.unreserve(5);
    inFlight.admit(message('a', 'h1'));
    inFlight.admit(message('b', 'h2'));
    expect(inFlight.reserve(10)).toBe(3);
    expect(inFlight.peak).toBe(5);
  });

  it('a redelivered copy updates the held lease to its newest handle and receive count, and is not handed out', () => {
    const inFlight = new InFlightMessages(5);
    const lease = inFlight.admit(message('a', 'old', 1))!;
    expect(inFlight.admit(message('a', 'new', 2))).toBeUndefined();
    expect(lease).toMatchObject({ receiptHandle: 'new', receiveCount: 2 });
    expect(inFlight.size).toBe(1);
  });

  it('claims an event id once while held; settling frees the claim, and settling twice frees nothing newer', () => {
    const inFlight = new InFlightMessages(5);
    const first = inFlight.admit(message('m1', 'h1'))!;
    const second = inFlight.admit(message('m2', 'h2'))!;
    expect(inFlight.claimEvent(first, 'event')).toBe(true);
    expect(inFlight.claimEvent(second, 'event')).toBe(false);
    inFlight.settle(first);
    const again = inFlight.admit(message('m1', 'h3'))!;
    expect(inFlight.claimEvent(again, 'event')).toBe(true);
    inFlight.settle(first); // the old lease, late: must not release the new one's claim
    expect(inFlight.claimEvent(second, 'event')).toBe(false);
    expect(inFlight.size).toBe(2);
  });
});
