import type { FastifyPluginCallback } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../platform/http/context.ts';
import type { SettingsSection } from '../../platform/settings.ts';
import { renderPage } from '../../platform/views/render.ts';
import { staffOf } from '../../features/office/office.guard.tsx';
import { referenceData } from './settings.service.ts';
import { SettingsPage } from './settings.view.tsx';

export interface OfficeSettingsPluginOptions {
  ctx: AppContext;
  /** The settings in effect, secrets hidden (app/config.ts): the same for the process's life. */
  settings: SettingsSection[];
}

/** The admin's settings page (/office/settings): the settings in effect and the reference data. */
export const officeSettingsPlugin: FastifyPluginCallback<OfficeSettingsPluginOptions> = (
  app,
  { ctx, settings },
  done,
) => {
  app
    .withTypeProvider<TypeBoxTypeProvider>()
    .get('/office/settings', { schema: { response: { 200: Type.String() } } }, async (req, reply) => {
      const reference = await referenceData(ctx.db.kysely, ctx.clock.now(), ctx.config.timeZone);
      const page = (
        <SettingsPage
          supplierName={ctx.supplierName}
          csrfToken={reply.generateCsrf()}
          me={staffOf(req).user}
          settings={settings}
          reference={reference}
        />
      );
      return reply.type('text/html; charset=utf-8').send(renderPage(page));
    });
  done();
};
