# Build a static parley binary and run it on a small base image, as the
# non-root user, with its data (SQLite mode) in /data.
#   docker build --build-arg VERSION=$(git describe --always) -t parley .
FROM golang:1.26 AS build
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /parley ./cmd/parley \
	&& mkdir -p /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /parley /parley
# distroless's nonroot user is 65532; /data must be theirs for SQLite.
COPY --from=build --chown=65532:65532 /data /data
ENV PARLEY_ADDR=:8080 PARLEY_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/parley", "healthcheck"]
ENTRYPOINT ["/parley"]
CMD ["serve"]
