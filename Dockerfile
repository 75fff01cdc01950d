# briefbot in a container: a static binary on Alpine (kept for busybox's
# wget, which the HEALTHCHECK needs), running as a non-root user, the index
# on a volume. See docs/operations.md, "Running in production".
#
#   docker build -t briefbot .
#   docker run -d --name briefbot --env-file .env -v briefbot:/var/lib/briefbot briefbot

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/briefbot ./cmd/briefbot

FROM alpine:3.22
# A fixed uid/gid, so a volume's ownership survives image rebuilds and
# Kubernetes' runAsNonRoot can check it.
RUN addgroup -S -g 10001 briefbot \
 && adduser -S -D -H -u 10001 -G briefbot -h /var/lib/briefbot briefbot \
 && mkdir -p /var/lib/briefbot \
 && chown briefbot:briefbot /var/lib/briefbot
COPY --from=build /out/briefbot /usr/local/bin/briefbot
ENV BRIEFBOT_INDEX=/var/lib/briefbot/index \
    BRIEFBOT_METRICS_ADDR=:9090
VOLUME /var/lib/briefbot
WORKDIR /var/lib/briefbot
USER 10001:10001
EXPOSE 9090
# /healthz answers while the process is up; the port is taken from
# BRIEFBOT_METRICS_ADDR, so overriding it at `docker run` keeps this working.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${BRIEFBOT_METRICS_ADDR##*:}/healthz" || exit 1
ENTRYPOINT ["/usr/local/bin/briefbot"]
CMD ["serve"]
