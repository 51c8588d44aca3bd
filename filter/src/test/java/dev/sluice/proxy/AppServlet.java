package dev.sluice.proxy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The application's own servlet in test deployments: proves unmatched requests reach the app.
 * With {@code ?sleep=millis} it is a slow page, holding its container thread that long.
 */
public class AppServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String sleep = request.getParameter("sleep");
        if (sleep != null) {
            try {
                Thread.sleep(Long.parseLong(sleep));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().print("app " + request.getMethod() + " " + request.getRequestURI());
    }
}
