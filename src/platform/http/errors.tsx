import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SecurityHeaders } from './security.ts';
import { isDatabaseUnavailable } from '../db/connect.ts';
import { renderPage } from '../views/render.ts';
import { ErrorPage } from '../views/error-pages.tsx';

/** Seconds a client is asked to wait while the database is unreachable. */
const RETRY_AFTER_S = 30;

/** The service's own addresses, which machines read: they answer JSON whatever the client accepts. */
const MACHINE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function wantsJson(url: string, accept: string | undefined): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return (
    path.startsWith('/api/') || MACHINE_PATHS.has(path) || (accept?.includes('application/json') ?? false)
  );
}

/** Why the portal cannot answer now, as a JSON client reads it in `error.code`. */
export type UnavailableReason = 'unavailable' | 'shutting_down' | 'overloaded';

/**
 * A 503 with Retry-After and the site's error page (JSON for /api and JSON clients): the reply's
 * status and headers are set and its body returned, for the caller to send. The same words for
 * every reason: a visitor learns only to come back later.
 */
export function unavailableAnswer(
  supplierName: string,
  req: FastifyRequest,
  reply: FastifyReply,
  reason: UnavailableReason,
  retryAfterS: number,
): string | { error: { code: string; message: string } } {
  const message = 'Сервис временно недоступен. Пожалуйста, повторите попытку через минуту.';
  void reply.code(503).header('Retry-After', String(retryAfterS));
  if (wantsJson(req.url, req.headers.accept)) {
    void reply.type('application/json; charset=utf-8');
    return { error: { code: reason, message } };
  }
  void reply.type('text/html; charset=utf-8');
  return errorPage(supplierName, 'Сервис временно недоступен', message);
}

/**
 * The one place that turns errors into responses. 5xx bodies never show internals;
 * an unreachable database is a 503 with Retry-After, not a 500.
 */
function errorPage(supplierName: string, title: string, message: string): string {
  return renderPage(<ErrorPage supplierName={supplierName} title={title} message={message} />);
}

export function registerErrorHandling(app: FastifyInstance, supplierName: string): void {
  const page = (title: string, message: string) => errorPage(supplierName, title, message);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const json = wantsJson(req.url, req.headers.accept);
    const send = (status: number, code: string, title: string, message: string) =>
      json
        ? reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } })
        : reply.code(status).type('text/html; charset=utf-8').send(page(title, message));

    if (isDatabaseUnavailable(err)) {
      req.log.error({ err: { message: err.message, code: err.code } }, 'database unavailable');
      return reply.send(unavailableAnswer(supplierName, req, reply, 'unavailable', RETRY_AFTER_S));
    }
    if (err.validation) {
      return send(
        400,
        'bad_request',
        'Неверный запрос',
        'Запрос содержит неверные данные. Вернитесь назад и проверьте введённые значения.',
      );
    }
    if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
      return send(
        403,
        'csrf',
        'Форма устарела',
        'Форма устарела или открыта на другом сайте. Обновите страницу и повторите действие.',
      );
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(status, 'bad_request', 'Неверный запрос', 'Запрос не может быть выполнен.');
    }
    req.log.error({ err }, 'request failed');
    return send(
      500,
      'internal',
      'Ошибка сервиса',
      'Произошла ошибка. Мы уже знаем о ней; пожалуйста, повторите попытку позже.',
    );
  });

  // An attacker could search for valid URLs if not-found answers differed; they are all the same page.
  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req.url, req.headers.accept)) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'Не найдено' } });
    }
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(
        page('Страница не найдена', 'Такой страницы нет. Проверьте адрес или начните с главной страницы.'),
      );
  });
}

/**
 * Fastify's `frameworkErrors`: a request the router cannot even parse (a malformed percent-escape
 * in the path, say) never reaches the hooks, so its 400 gets the security headers and the error
 * page here.
 */
export function frameworkErrorHandler(supplierName: string, headers: SecurityHeaders) {
  return (_err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    headers(req.raw, reply.raw, () => {
      void reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(
          errorPage(
            supplierName,
            'Неверный запрос',
            'Адрес страницы записан неверно. Проверьте ссылку или перейдите на главную.',
          ),
        );
    });
  };
}
