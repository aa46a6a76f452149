import { Type } from 'typebox';
import type { CoreConfig } from '../../platform/config.ts';
import type { AppContext } from '../../platform/http/context.ts';

/**
 * The open API's personal access tokens: settings checked at boot (app/config.ts calls
 * `apiTokensConfig`).
 *
 * - API_RATE_PER_MINUTE: requests one token may make per minute, counted in the database so that
 *   the limit holds across every app instance; over it the API answers 429 with Retry-After.
 *   (The name avoids TOKEN: the settings page hides any setting named like a credential.)
 */
export const ApiTokensEnvSchema = {
  API_RATE_PER_MINUTE: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 60,
    description: 'Запросов к API в минуту по одному токену доступа (сверх них — ответ 429)',
  }),
};

export interface ApiTokensConfig {
  /** Requests per token in one window. */
  ratePerWindow: number;
  /** The window's length. */
  windowMs: number;
}

export const DEFAULT_API_TOKENS_CONFIG: ApiTokensConfig = { ratePerWindow: 60, windowMs: 60_000 };

export function apiTokensConfig(raw: { API_RATE_PER_MINUTE: number }): ApiTokensConfig {
  return { ratePerWindow: raw.API_RATE_PER_MINUTE, windowMs: 60_000 };
}

/**
 * The tokens' settings of a context. The app passes its whole configuration, which has them; a
 * context made without them (a tool's, a test's own) gets the defaults.
 */
export function apiTokensConfigOf(ctx: AppContext): ApiTokensConfig {
  const config: CoreConfig & { apiTokens?: ApiTokensConfig } = ctx.config;
  return config.apiTokens ?? DEFAULT_API_TOKENS_CONFIG;
}
