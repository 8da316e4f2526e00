# Build: docker build -t ntm-api .   (or docker compose up, with PostgreSQL)
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/ntm-api

FROM debian:bookworm-slim
RUN useradd --system --home /var/lib/ntm-api ntm && mkdir -p /var/lib/ntm-api && chown ntm /var/lib/ntm-api
COPY --from=build /src/target/release/ntm-api /usr/local/bin/ntm-api
USER ntm
WORKDIR /var/lib/ntm-api
ENV NTM_BIND=0.0.0.0:8080 NTM_LOG_FORMAT=json
# 8080: the API; 9100: /metrics when NTM_METRICS_BIND=0.0.0.0:9100 (publish it only to the
# scraper's network).
EXPOSE 8080 9100
# Healthy when GET /ready answers 200 (the database answers), asked by the binary itself:
# no curl or shell in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["ntm-api", "ready"]
# SIGTERM: stop accepting, drain for NTM_SHUTDOWN_GRACE_SECONDS (30), exit. Give the
# orchestrator's stop timeout more than that (compose: stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["ntm-api"]
CMD ["serve"]
