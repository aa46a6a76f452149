import { Type, type Static } from 'typebox';

/** The settings of metrics, load shedding and request logs, from the environment (app/config.ts). */
export const ObservabilityEnvSchema = {
  /** The bearer token Prometheus sends for /metrics; unset: /metrics is not served. */
  METRICS_TOKEN: Type.Optional(
    Type.String({
      minLength: 32,
      maxLength: 200,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'Токен, с которым Prometheus получает /metrics; без него /metrics не отдаётся',
    }),
  ),
  /** Mean event-loop delay over a sample above which requests get 503 (0: never). */
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 1000,
    description: 'Средняя задержка цикла событий (мс), выше которой запросы получают 503; 0 — никогда',
  }),
  /** Event-loop utilisation (0 to 1) above which requests get 503 (0: never). */
  PRESSURE_MAX_EVENT_LOOP_UTILIZATION: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'Загрузка цикла событий (от 0 до 1), выше которой запросы получают 503; 0 — никогда',
  }),
  /** How often the event loop is sampled for the two limits above. */
  PRESSURE_SAMPLE_INTERVAL_MS: Type.Integer({
    minimum: 10,
    maximum: 60_000,
    default: 1000,
    description: 'Как часто (мс) измеряется цикл событий для двух пределов выше',
  }),
};

type ObservabilityEnv = Static<ReturnType<typeof Type.Object<typeof ObservabilityEnvSchema>>>;

export interface ObservabilityConfig {
  /** Null: /metrics answers 404 like any unknown address. */
  metricsToken: string | null;
  pressure: { maxEventLoopDelayMs: number; maxEventLoopUtilization: number; sampleIntervalMs: number };
}

export function observabilityConfig(raw: ObservabilityEnv): ObservabilityConfig {
  return {
    metricsToken: raw.METRICS_TOKEN ?? null,
    pressure: {
      maxEventLoopDelayMs: raw.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: raw.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
      sampleIntervalMs: raw.PRESSURE_SAMPLE_INTERVAL_MS,
    },
  };
}
