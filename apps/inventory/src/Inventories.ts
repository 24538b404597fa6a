// The players' inventories: item counts per player, changed one player at a time so that what is
// published for a player is the order in which it applied.

export type Change = { kind: 'grant' | 'spend'; playerId: string; item: string; quantity: number; reason: string };

export class InsufficientItemsError extends Error {
  override readonly name = 'InsufficientItemsError';
  constructor(readonly playerId: string, readonly item: string, readonly held: number, readonly wanted: number) {
    super(`${playerId} holds ${held} ${item}, not ${wanted}`);
  }
}

export class Inventories {
  private readonly players = new Map<string, Map<string, number>>();
  /** Per player, the change being made: the next one waits for it. */
  private readonly queues = new Map<string, Promise<unknown>>();

  of(playerId: string): Record<string, number> {
    return Object.fromEntries(this.players.get(playerId) ?? []);
  }

  /**
   * Checks the change against the player's items, lets `publish` announce it, and applies it only
   * once published (a failed publish leaves the inventory as it was). A player's changes run one
   * after the other, so two spends cannot both pass the check, and they publish in order.
   */
  change<T>(change: Change, publish: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(change.playerId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const items = this.players.get(change.playerId) ?? new Map<string, number>();
      const held = items.get(change.item) ?? 0;
      if (change.kind === 'spend' && held < change.quantity) throw new InsufficientItemsError(change.playerId, change.item, held, change.quantity);
      const published = await publish();
      items.set(change.item, change.kind === 'grant' ? held + change.quantity : held - change.quantity);
      this.players.set(change.playerId, items);
      return published;
    });
    this.queues.set(change.playerId, next);
    void next.finally(() => {
      if (this.queues.get(change.playerId) === next) this.queues.delete(change.playerId);
    }).catch(() => undefined);
    return next;
  }
}
