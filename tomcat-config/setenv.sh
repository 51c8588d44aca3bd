# JVM options for a Tomcat running Sluice; copy to $CATALINA_BASE/bin/setenv.sh.
# The example (mvn -Pexample -DskipTests verify) passes the same options through Cargo.
# Sluice streams bodies in fixed chunks, so a small heap is enough for any body size; each request
# in flight holds about 220 KiB, so raise -Xmx for more than about 500 at once (docs/configuration.md).
CATALINA_OPTS="$CATALINA_OPTS -Xms128m -Xmx256m -XX:+UseG1GC"
