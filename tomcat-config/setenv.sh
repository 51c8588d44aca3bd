# JVM options for a Tomcat running Sluice; copy to $CATALINA_BASE/bin/setenv.sh.
# The example (mvn -Pexample -DskipTests verify) passes the same options through Cargo.
# Sluice streams bodies in fixed chunks, so a small heap is enough for any body size; each request
# in flight holds about 220 KiB (docs/configuration.md). The maximum is sized for the connector's
# maxConnections (server.xml) instead: a connection still sending its request head holds about
# 82 KiB (its socket buffers and a processor), so 5,000 clients trickling their heads a byte a
# second (slowloris) took 414 MiB, past a 256 MiB heap; 1 GiB holds them beside a full load
# (docs/reliability.md). With a smaller heap, lower maxConnections to match.
CATALINA_OPTS="$CATALINA_OPTS -Xms128m -Xmx1g -XX:+UseG1GC"
