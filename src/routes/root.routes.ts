import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rejectOtherMethods } from '../plugins/http-conventions.js';

export interface RootRoutesOptions {
  readonly environment: string;
  readonly documented: boolean;
}

export async function rootRoutes(app: FastifyInstance, options: RootRoutesOptions): Promise<void> {
  const body = { message: `Welcome to Hangar Bay API - ${options.environment} environment` };
  app.withTypeProvider<ZodTypeProvider>().get(
    '/',
    {
      schema: {
        hide: !options.documented,
        operationId: 'read_root__get',
        summary: 'Read Root',
        response: { 200: z.object({ message: z.string() }) },
      },
    },
    async () => body,
  );
  rejectOtherMethods(app, '/');

  // The web client probes /me to decide whether a visitor is signed in; 401 means "signed out".
  app.get('/me', { schema: { hide: true } }, async (_request, reply) =>
    reply.code(401).header('cache-control', 'no-store').type('application/json; charset=utf-8').send('{"detail":"Not authenticated"}'),
  );
  rejectOtherMethods(app, '/me');
}
