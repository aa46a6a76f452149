import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SecurityHeaders } from './security.ts';
import { isDatabaseUnavailable } from '../db/connect.ts';
import { renderPage } from '../views/render.ts';
import { ErrorPage } from '../views/error-pages.tsx';

/** Seconds a client is asked to wait while the database is unreachable. */
const RETRY_AFTER_S = 30;

function wantsJson(url: string, accept: string | undefined): boolean {
  return url.startsWith('/api/') || url === '/healthz' || (accept?.includes('application/json') ?? false);
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
      void reply.header('Retry-After', String(RETRY_AFTER_S));
      return send(
        503,
        'unavailable',
        'Сервис временно недоступен',
        'Сервис временно недоступен. Пожалуйста, повторите попытку через минуту.',
      );
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
