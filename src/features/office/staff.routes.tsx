import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from './office.guard.tsx';
import { staffDeps } from './office.routes.tsx';
import {
  addStaff,
  applyStaffAction,
  enrollPath,
  listStaff,
  type StaffAction,
} from './staff-admin.service.ts';
import { StaffPage, type StaffPageProps } from './staff.view.tsx';

// The admin's screen of staff users: the list, adding one (with the enrollment link to hand
// over), and per user: disable or enable, end all sessions, reset the password and second factor.

const Html = { 200: Type.String(), 400: Type.String(), 404: Type.String() };
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const ACTIONS: StaffAction[] = ['disable', 'enable', 'end-sessions', 'reset-factor'];

export function registerStaffRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = staffDeps(ctx);

  const show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: Partial<Pick<StaffPageProps, 'done' | 'add' | 'refused'>> = {},
  ) => {
    const me = staffOf(req).user;
    const page = (
      <StaffPage
        supplierName={ctx.supplierName}
        csrfToken={reply.generateCsrf()}
        me={me}
        users={await listStaff(deps)}
        {...extra}
      />
    );
    return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
  };
  const link = (token: string) => `${ctx.config.publicUrl}${enrollPath(token)}`;

  r.get('/office/staff', { schema: { response: Html } }, async (req, reply) => show(req, reply, 200));

  r.post(
    '/office/staff',
    {
      schema: {
        body: Type.Object({
          login: Type.Optional(Type.String({ maxLength: 200 })),
          fullName: Type.Optional(Type.String({ maxLength: 1000 })),
          // One checkbox arrives as a string, several as an array.
          roles: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 20 }),
              Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 }),
            ]),
          ),
          reason: Type.Optional(Type.String({ maxLength: 2000 })),
          ...Csrf,
        }),
        response: Html,
      },
    },
    async (req, reply) => {
      const me = staffOf(req).user;
      const values = {
        login: req.body.login ?? '',
        fullName: req.body.fullName ?? '',
        roles: [req.body.roles ?? []].flat(),
        reason: req.body.reason ?? '',
      };
      const result = await addStaff(deps, values, { staffUserId: me.id, ip: req.ip });
      if (result.kind === 'invalid') {
        return show(req, reply, 400, { add: { values, errors: result.errors } });
      }
      return show(req, reply, 200, {
        done: {
          message: `Сотрудник ${values.login.trim().toLowerCase()} добавлен. Передайте ему ссылку для регистрации.`,
          link: link(result.token),
        },
      });
    },
  );

  registerActions(app, ctx, show, link);
}

type Show = (
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  extra?: Partial<Pick<StaffPageProps, 'done' | 'add' | 'refused'>>,
) => Promise<FastifyReply>;

function registerActions(app: FastifyInstance, ctx: AppContext, show: Show, link: (token: string) => string) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = staffDeps(ctx);
  for (const action of ACTIONS) {
    r.post(
      `/office/staff/:id/${action}`,
      {
        schema: {
          params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) }),
          body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })), ...Csrf }),
          response: Html,
        },
      },
      async (req, reply) => {
        const me = staffOf(req).user;
        const result = await applyStaffAction(deps, req.params.id, action, req.body.reason ?? '', {
          staffUserId: me.id,
          ip: req.ip,
        });
        switch (result.kind) {
          case 'not-found':
            return show(req, reply, 404, { done: { message: 'Такого сотрудника нет.' } });
          case 'invalid':
            return show(req, reply, 400, { refused: { id: req.params.id, action, error: result.error } });
          case 'ok':
            return show(req, reply, 200, {
              done: { message: result.message, link: result.enrollToken && link(result.enrollToken) },
            });
        }
      },
    );
  }
}
