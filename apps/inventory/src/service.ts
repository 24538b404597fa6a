// inventory: the players' items. Operators grant and spend them; every change is published as
// item.granted or item.spent, in order per player (a FIFO topic: the catalog orders them by playerId).
import { defineService, notPublished, parseBody } from '@game-mesh/runtime';
import { z } from 'zod';
import { declared } from './declared';
import { InsufficientItemsError, Inventories } from './Inventories';

const changeBody = z.object({
  item: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
  quantity: z.int().min(1).max(1_000_000),
  reason: z.string().min(1).max(200).default('operator'),
}).strict();
const playerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const inventory = defineService({
  declared,
  build({ publisher }) {
    const inventories = new Inventories();
    return {
      routes: (app) => {
        app.get('/players/:playerId', (req, res) => void res.json({ playerId: req.params['playerId'], items: inventories.of(String(req.params['playerId'])) }));
        for (const kind of ['grant', 'spend'] as const) {
          // Atomic: the inventory changes only once its event is published (503 otherwise); a spend
          // beyond what the player holds is refused (409) and publishes nothing.
          app.post(`/players/:playerId/${kind}`, async (req, res) => {
            const player = playerId.safeParse(req.params['playerId']);
            if (!player.success) return void res.status(400).json({ error: 'invalid playerId: 1-64 of letters, digits, _ and -' });
            const body = parseBody(changeBody, req, res);
            if (!body) return;
            const change = { kind, playerId: player.data, ...body };
            try {
              const { id } = await inventories.change(change, () => publisher.publish(kind === 'grant' ? 'item.granted' : 'item.spent', { playerId: change.playerId, item: change.item, quantity: change.quantity, reason: change.reason }));
              res.status(202).json({ eventId: id, items: inventories.of(change.playerId) });
            } catch (error) {
              if (error instanceof InsufficientItemsError) return void res.status(409).json({ error: error.message, held: error.held });
              notPublished(res, error, 'the inventory is unchanged');
            }
          });
        }
      },
    };
  },
});
