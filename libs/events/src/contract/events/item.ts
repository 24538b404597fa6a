// item.granted and item.spent: a player's inventory changed (inventory). Ordered per player: a FIFO
// topic, FIFO queues for their readers, each player's changes applied in the order they happened.
import { z } from 'zod';
import { defineEventType, defineEventVersion } from '../defineEvent';

const itemChange = {
  playerId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('The player whose inventory changed: the message group, so each player\'s changes apply in order.'),
  item: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/).describe('What changed hands, e.g. "gold" or "iron-sword".'),
  quantity: z.int().min(1).max(1_000_000).describe('How many.'),
  reason: z.string().min(1).max(200).describe('Why, in words (a quest reward, a purchase).'),
};

export const itemGrantedV1Schema = z.object(itemChange).describe('item.granted: a player received items.');
export const itemSpentV1Schema = z.object(itemChange).describe('item.spent: a player gave items up; the inventory never lets a count go below zero.');

export const itemGranted = defineEventType({
  description: 'A player received items: the inventory grants them (an operator, a quest reward).',
  producer: 'inventory',
  topic: 'inventory',
  current: 1,
  ordering: { groupBy: 'playerId' },
  versions: {
    1: defineEventVersion({ schema: itemGrantedV1Schema, examples: [{ playerId: 'ada', item: 'gold', quantity: 50, reason: 'quest reward' }] }),
  },
});

export const itemSpent = defineEventType({
  description: 'A player spent items: the inventory takes them, never more than the player holds.',
  producer: 'inventory',
  topic: 'inventory',
  current: 1,
  ordering: { groupBy: 'playerId' },
  versions: {
    1: defineEventVersion({ schema: itemSpentV1Schema, examples: [{ playerId: 'ada', item: 'gold', quantity: 20, reason: 'bought a sword' }] }),
  },
});
