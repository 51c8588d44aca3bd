package dev.sluice.testing;

import org.apache.catalina.Container;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleEvent;
import org.apache.catalina.LifecycleListener;

/**
 * Takes out the JSP servlet that embedded Tomcat adds to every web application by default: the
 * test class path has no Jasper, and the servlet would fail to load with a long trace in each
 * deployment. Named in the test WAR's {@code META-INF/context.xml}.
 */
public final class NoJspServlet implements LifecycleListener {
    private static final String JSP = "jsp";

    @Override
    public void lifecycleEvent(LifecycleEvent event) {
        // After the context's own configuration has merged its web.xml, before servlets load.
        if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType()) && event.getLifecycle() instanceof Context context) {
            Container jsp = context.findChild(JSP);
            if (jsp != null) {
                for (String pattern : context.findServletMappings()) {
                    if (JSP.equals(context.findServletMapping(pattern))) {
                        context.removeServletMapping(pattern);
                    }
                }
                context.removeChild(jsp);
            }
        }
    }
}
