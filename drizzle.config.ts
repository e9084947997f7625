import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/db/schema.ts and committed; they are applied at startup and by
// `npm run db:migrate`, never by drizzle-kit push.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
