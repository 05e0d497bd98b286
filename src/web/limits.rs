//! Limits that keep slow or numerous clients from holding the server: every request body must
//! arrive within [`BODY_TIMEOUT`], the soft file-descriptor limit is raised to the hard one at
//! start, and the connections the server accepts stay well below that limit, so `/healthz`
//! keeps a descriptor to answer with.

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep, Sleep};
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a request body may take to arrive, from the moment the request reached a handler.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections one worker accepts (actix-web's own default).
const MAX_PER_WORKER: usize = 25_000;
/// The fewest connections one worker accepts, however low the descriptor limit.
const MIN_PER_WORKER: usize = 16;

/// A request body that ends with a timeout error once its deadline has passed.
struct Deadline {
    inner: Rc<RefCell<Payload>>,
    timer: Pin<Box<Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut *this.inner.borrow_mut()).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.timer.as_mut().poll(cx).is_ready() {
            this.expired = true;
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body too slow");
            return Poll::Ready(Some(Err(PayloadError::Io(late))));
        }
        Poll::Pending
    }
}

/// True when the body of `error` did not arrive within [`BODY_TIMEOUT`].
pub fn timed_out(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0");
    length || headers.contains_key(header::TRANSFER_ENCODING)
}

/// A response body that keeps its request's body alive until it has been sent. The HTTP/1
/// dispatcher closes the connection after a response whose request body is unfinished and
/// still held; once that body is dropped it would instead drain a chunked one to its end,
/// however slowly it comes.
struct Holding {
    body: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for Holding {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// Middleware of the whole app: a request with a body gets [`BODY_TIMEOUT`] to send it, then
/// reading it fails (handlers answer 408 or 400); a body left unfinished when the response
/// has been sent closes the connection instead of being drained.
pub async fn body_deadline<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !has_body(&req) {
        return Ok(next.call(req).await?.map_into_right_body());
    }
    let inner = Rc::new(RefCell::new(req.take_payload()));
    let deadline = Deadline {
        inner: inner.clone(),
        timer: Box::pin(sleep(BODY_TIMEOUT)),
        expired: false,
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(deadline);
    req.set_payload(Payload::from(boxed));
    let resp = next.call(req).await?;
    Ok(resp.map_body(|_, body| {
        EitherBody::left(Holding {
            body: BoxBody::new(body),
            _request_body: inner,
        })
    }))
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit in force after
/// (`None` when it cannot be read).
pub fn raise_nofile() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        log::warn!("Could not read the file-descriptor limit");
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        } else {
            log::warn!(
                "Could not raise the file-descriptor limit from {} to {}",
                limit.rlim_cur,
                limit.rlim_max
            );
        }
    }
    Some(limit.rlim_cur)
}

/// Connections each of `workers` may hold with `nofile` descriptors: half of them for clients
/// (the rest for the database, the checks' own connections and files), within 16..=25,000.
pub fn connections_per_worker(nofile: Option<u64>, workers: usize) -> usize {
    let Some(nofile) = nofile else {
        return MAX_PER_WORKER;
    };
    let share = usize::try_from(nofile / 2).unwrap_or(usize::MAX) / workers.max(1);
    share.clamp(MIN_PER_WORKER, MAX_PER_WORKER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_get_half_the_descriptors_shared_by_the_workers() {
        assert_eq!(connections_per_worker(Some(1024), 2), 256);
        assert_eq!(connections_per_worker(Some(256), 2), 64);
        assert_eq!(connections_per_worker(Some(20), 2), 16);
        assert_eq!(connections_per_worker(Some(1 << 20), 2), 25_000);
        assert_eq!(connections_per_worker(None, 2), 25_000);
        assert_eq!(connections_per_worker(Some(1000), 0), 500);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let after = raise_nofile().expect("readable");
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: reads into a local struct.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        assert_eq!(after, limit.rlim_cur);
    }
}
