# edgeward in a container. Two stages: a build stage with the compilers the native modules need
# (better-sqlite3, and edgeward's live capture addon over libpcap), then a slim runtime with only
# libpcap, nftables and the built files, running as an unprivileged user that holds just the two
# capabilities capture and nftables need. Run it on the host's network so it sees the LAN:
#
#   docker build -t edgeward .
#   docker run -d --name edgeward --network host --cap-add NET_RAW --cap-add NET_ADMIN \
#     -v edgeward-data:/var/lib/edgeward -e EDGEWARD_CAPTURE_INTERFACE=br-lan edgeward
#
# Without EDGEWARD_CAPTURE_INTERFACE it runs the bundled demo. The first start prints the admin
# token once (docker logs edgeward).

FROM node:20-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap-dev python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY gateway gateway
COPY policies policies
COPY dashboard dashboard
# npm ci builds the native modules (its install script builds the capture addon, which must be
# there: a gateway image without live capture is of no use) and runs `prepare` (tsc and the
# dashboard's Vite build); the development packages are then dropped so the runtime copies only
# what it runs.
RUN npm ci \
 && test -f gateway/capture/native/build/Release/edgeward_pcap.node \
 && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap0.8 nftables libcap2-bin tini \
 # File capabilities instead of root: node captures (NET_RAW) and, through nft, writes the
 # enforcement table (NET_ADMIN); nothing else of root's power is kept.
 && setcap cap_net_raw,cap_net_admin+eip /usr/local/bin/node \
 && setcap cap_net_admin+ep /usr/sbin/nft \
 && apt-get purge -y libcap2-bin && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/edgeward --shell /usr/sbin/nologin edgeward \
 && mkdir -p /var/lib/edgeward && chown edgeward:edgeward /var/lib/edgeward
WORKDIR /opt/edgeward
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY --from=build /src/gateway/capture/native/build/Release/edgeward_pcap.node gateway/capture/native/build/Release/edgeward_pcap.node
COPY --from=build /src/dashboard/dist dashboard/dist
COPY --from=build /src/policies/profiles policies/profiles
ENV NODE_ENV=production \
    EDGEWARD_STORAGE_DATA_DIR=/var/lib/edgeward
VOLUME ["/var/lib/edgeward"]
USER edgeward
EXPOSE 8080/tcp 5514/udp 5514/tcp
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=32 --max-old-space-size=384", "dist/gateway/cli/main.js"]
CMD ["start"]
