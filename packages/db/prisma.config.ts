import { defineConfig } from 'prisma/config';

// DATABASE_URL is only needed by `prisma migrate deploy`, which users with access to
// Prisma's engine host may run; Herald applies migrations with its own runner (README).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/herald' },
});
