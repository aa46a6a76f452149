import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../platform/http/context.ts';

export interface ApiPluginOptions {
  ctx: AppContext;
}

/**
 * The open API, /api/v1: JSON over the features a token's profile sees (accounts, balance,
 * charges, bills, payments, readings, the meter), described by OpenAPI at /api/docs.
 */
export const apiPlugin: FastifyPluginAsync<ApiPluginOptions> = async () => {};
