// weather.changed: the weather changed (weather-manager); its intensity is a filter attribute.
import { z } from 'zod';
import { defineEventType, defineEventVersion } from '../defineEvent';

export const weatherConditionSchema = z
  .enum(['clear', 'cloudy', 'rain', 'storm', 'snow', 'fog'])
  .describe('Sky condition.');

export const weatherStateSchema = z
  .object({
    condition: weatherConditionSchema,
    intensity: z.number().min(0).max(1).describe('How strong the condition is, from 0 (barely) to 1 (extreme).'),
    temperatureCelsius: z.number().min(-90).max(60).describe('Air temperature in degrees Celsius.'),
  })
  .describe('The weather at one moment.');

export const weatherChangedV1Schema = z
  .object({
    previous: weatherStateSchema.describe('The weather before the change.'),
    current: weatherStateSchema.describe('The weather after the change.'),
    cause: z
      .enum(['simulation', 'operator'])
      .describe('"simulation": the Markov chain moved; "operator": set through the operator API.'),
  })
  .describe('The weather changed.');

export type WeatherState = z.output<typeof weatherStateSchema>;
export type WeatherCondition = z.output<typeof weatherConditionSchema>;

export const weatherChanged = defineEventType({
  description: 'The weather of the game world changed; carries the previous and the new state.',
  producer: 'weather-manager',
  topic: 'weather',
  current: 1,
  versions: {
    1: defineEventVersion({
      schema: weatherChangedV1Schema,
      filterAttributes: {
        intensity: {
          dataType: 'Number',
          description: 'current.intensity, for filters such as severe weather (>= 0.8).',
          select: (data) => data.current.intensity,
        },
        condition: {
          dataType: 'String',
          description: 'current.condition.',
          select: (data) => data.current.condition,
        },
      },
      examples: [
        {
          previous: { condition: 'clear', intensity: 0.1, temperatureCelsius: 18 },
          current: { condition: 'rain', intensity: 0.4, temperatureCelsius: 15.5 },
          cause: 'simulation',
        },
        {
          previous: { condition: 'rain', intensity: 0.6, temperatureCelsius: 14 },
          current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 12 },
          cause: 'operator',
        },
      ],
    }),
  },
});
