// `GET /admin/channels`: every channel with its live state — circuit per model, last error class,
// and each API key's fingerprint and rest period. Never a key or a credential.
import type { FastifyInstance } from 'fastify';
import { demotionText } from '../health/route-demotions.js';
import { goneText } from '../health/route-presence-cache.js';
import { requireAdmin } from '../security/admin-auth.js';
import type { Gateway } from './gateway.js';

export function channelsView(gateway: Gateway) {
  const circuits = gateway.circuits.snapshot();
  const attempts = gateway.channelStates?.list() ?? [];
  return gateway.channels.map((channel) => ({
    name: channel.name,
    provider: channel.providerType,
    baseUrl: channel.baseUrl ? new URL(channel.baseUrl).origin : null,
    priority: channel.priority,
    weight: channel.weight,
    models: channel.models.map((model) => {
      const circuit = circuits.find((entry) => entry.channel === channel.name && entry.model === model);
      const byKey = attempts.filter((entry) => entry.channel === channel.name && entry.model === model);
      return {
        model,
        upstreamModel: channel.modelMap[model] ?? model,
        circuit: circuit?.state ?? 'closed',
        routing: demotionOf(gateway, channel.name, model),
        consecutiveFailures: circuit?.consecutiveFailures ?? 0,
        lastErrorClass: circuit?.lastErrorClass ?? null,
        lastErrorAt: circuit?.lastErrorAt ? new Date(circuit.lastErrorAt).toISOString() : null,
        errorsByKey: byKey
          .filter((entry) => entry.lastErrorClass)
          .map((entry) => ({
            keyFingerprint: entry.keyFingerprint,
            lastErrorClass: entry.lastErrorClass,
            lastErrorAt: entry.lastErrorAt ? new Date(entry.lastErrorAt).toISOString() : null,
          })),
      };
    }),
    keys: gateway.keys.snapshot(channel.name, channel.apiKeys).map((key) => ({
      fingerprint: key.fingerprint,
      resting: key.retiredUntil !== undefined,
      restingUntil: key.retiredUntil ? new Date(key.retiredUntil).toISOString() : null,
      reason: key.reason ?? null,
    })),
  }));
}

/** A gone route first (it gets no traffic at all), then a demoted one, else `serving`. */
function demotionOf(gateway: Gateway, channel: string, model: string): string {
  const gone = gateway.routePresence
    .goneRoutes()
    .find((route) => route.channel === channel && route.modelId === model);
  if (gone) return goneText(gone);
  const demotion = gateway.routeDemotions.demotion(channel, model);
  return demotion ? demotionText(demotion) : 'serving';
}

export function registerAdminChannelRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.get('/admin/channels', async (request) => {
    requireAdmin(gateway, request);
    return { channels: channelsView(gateway) };
  });
}
