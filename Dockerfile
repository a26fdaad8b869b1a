# syntax=docker/dockerfile:1
# Floe's container image. Two stages: `build` compiles TypeScript with the full toolchain;
# the runtime stage installs runtime dependencies only (no test emulators, no compiler) and
# copies the compiled dist/ in. test/deploy/image.test.ts runs this file's runtime install
# and start-up without a Docker engine, and checks its user, port, probe and entrypoint.
#
#   docker build -t floe:dev .
#   docker run --rm -p 8181:8181 floe:dev                       # memory://, for a first look
#   docker run --rm -p 8181:8181 -e FLOE_STORAGE=s3://bucket/catalog floe:dev
#
# Node 22 LTS on Debian 12 (bookworm), slim: npm is needed for `npm ci` in the runtime stage
# and node itself runs the HEALTHCHECK (the image has no curl). Release builds pin the digest:
#   --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:<digest>
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# install scripts are skipped: the only one (esbuild, under tsx) is not needed to compile
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="floe" \
      org.opencontainers.image.description="Floe: an Apache Iceberg REST catalog on object storage" \
      org.opencontainers.image.licenses="Apache-2.0"
# FLOE_HOST: a container's loopback is unreachable through a published port, so the image
# listens on every interface. It therefore does not start until authentication is chosen:
# FLOE_AUTH_MODE=oidc with FLOE_AUTH_OIDC_ISSUER and FLOE_AUTH_OIDC_AUDIENCE, or, where every
# client may read and write the catalog (a laptop, a private test network),
# FLOE_AUTH_INSECURE_ALLOW_ANONYMOUS=true (docs/security.md).
# (no FLOE_PORT here: the environment wins over floe.toml, and [server] port must still work)
ENV NODE_ENV=production \
    FLOE_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
# runtime dependencies only; none of them has an install script
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force \
    && mkdir -p /var/lib/floe \
    && chown 1000:1000 /var/lib/floe
COPY bin ./bin
COPY --from=build /src/dist ./dist
# 1000 is the base image's `node` user; numeric, so Kubernetes' runAsNonRoot can verify it.
# The application files stay owned by root: the server cannot modify its own code.
USER 1000:1000
EXPOSE 8181
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.FLOE_PORT || 8181) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/floe.js"]
CMD ["serve"]
