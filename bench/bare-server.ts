/**
 * The HTTP ceiling: a bare Fastify route, same Node, same listen settings as the service
 * (HOST/PORT), logging off, answering every GET with one pre-serialized body read from BODY_FILE
 * (the service's default-view body, so the same bytes travel). Started by bench/run.ts.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.BODY_FILE ?? '');
const app = Fastify({ logger: false });
app.get('/*', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));

const shutdown = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
console.log(`bare server: ${body.length} bytes on ${process.env.PORT}`);
