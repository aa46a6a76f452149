import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import { unavailableAnswer } from './errors.tsx';
import type { ObservabilityConfig } from './observability.config.ts';

/** Seconds a client is asked to wait when the event loop is saturated. */
const PRESSURE_RETRY_AFTER_S = 10;

/**
 * The addresses that answer however busy the process is: a liveness probe must not restart a busy
 * process, /readyz says itself that it is overloaded, and /metrics shows how busy it is.
 */
export const NEVER_SHED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Load shedding (@fastify/under-pressure): while the event loop's mean delay (or its utilisation)
 * over a sample exceeds the configured limit, requests get 503 with Retry-After and the site's
 * error page instead of queueing until every client times out. The answer names nothing about
 * the cause; the plugin's status route is not exposed.
 */
export async function registerPressure(
  app: FastifyInstance,
  supplierName: string,
  limits: ObservabilityConfig['pressure'],
): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxEventLoopUtilization: limits.maxEventLoopUtilization,
    sampleInterval: limits.sampleIntervalMs,
    exposeStatusRoute: false,
    // The plugin sends what the handler returns (and passes the request on when it returns
    // nothing); its types name only the second use.
    pressureHandler: ((req: FastifyRequest, reply: FastifyReply) => {
      if (NEVER_SHED.has(req.routeOptions.url ?? '')) {
        return undefined;
      }
      // No log line per request shed: that would add to the load; /metrics counts the 503s.
      return unavailableAnswer(supplierName, req, reply, 'overloaded', PRESSURE_RETRY_AFTER_S);
    }) as unknown as FastifyUnderPressureOptions['pressureHandler'],
  });
}
