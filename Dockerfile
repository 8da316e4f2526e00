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
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["ntm-api"]
CMD ["serve"]
