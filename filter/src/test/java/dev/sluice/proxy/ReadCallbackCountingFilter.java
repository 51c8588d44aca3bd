package dev.sluice.proxy;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Placed before Sluice, counts the container's {@code onAllDataRead} calls to the read listener
 * Sluice sets, over all requests; {@code GET /read-callbacks} answers the count. Lives in the WAR,
 * so the count is the deployed copy's.
 */
public class ReadCallbackCountingFilter implements Filter {
    private static final AtomicInteger ALL_DATA_READ = new AtomicInteger();

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        if (http.getRequestURI().endsWith("/read-callbacks")) {
            response.setContentType("text/plain");
            response.getOutputStream().write(Integer.toString(ALL_DATA_READ.get()).getBytes(StandardCharsets.US_ASCII));
            return;
        }
        chain.doFilter(new HttpServletRequestWrapper(http) {
            @Override
            public ServletInputStream getInputStream() throws IOException {
                return new Counting(super.getInputStream());
            }
        }, response);
    }

    private static final class Counting extends ServletInputStream {
        private final ServletInputStream in;

        Counting(ServletInputStream in) {
            this.in = in;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    listener.onDataAvailable();
                }

                @Override
                public void onAllDataRead() throws IOException {
                    ALL_DATA_READ.incrementAndGet();
                    listener.onAllDataRead();
                }

                @Override
                public void onError(Throwable t) {
                    listener.onError(t);
                }
            });
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }
    }
}
