//! An SMTP sink on loopback for tests: it speaks enough of RFC 5321 for a client such as
//! lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no auth) and keeps every message
//! it accepts, so a test can read what the server sent. `fail_next(n)` makes it refuse the next
//! n messages with a 451 (a temporary failure), to exercise retries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a message that parses")
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink =
            SmtpSink { port: listener.local_addr().unwrap().port(), messages: Arc::default(), refuse: Arc::default() };
        let state = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = state.session(stream).await;
                });
            }
        });
        sink
    }

    /// `smtp://` URL of the sink (plain text, on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Refuses the next `n` messages (451 after DATA).
    pub fn fail_next(&self, n: usize) {
        self.refuse.store(n, Ordering::SeqCst);
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let verb = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => write.write_all(b"250-sink.test\r\n250 8BITMIME\r\n").await?,
                "HELO" => write.write_all(b"250 sink.test\r\n").await?,
                "MAIL" => {
                    from = command.split_once(':').map(|(_, a)| a.trim().to_owned()).unwrap_or_default();
                    to.clear();
                    write.write_all(b"250 OK\r\n").await?;
                }
                "RCPT" => {
                    to.push(command.split_once(':').map(|(_, a)| a.trim().to_owned()).unwrap_or_default());
                    write.write_all(b"250 OK\r\n").await?;
                }
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await?;
                    let mut raw = Vec::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                        raw.extend_from_slice(unstuffed.as_bytes());
                    }
                    let refused =
                        self.refuse.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                    if refused {
                        write.write_all(b"451 try again later\r\n").await?;
                    } else {
                        self.messages.lock().unwrap().push(Received { from: from.clone(), to: to.clone(), raw });
                        write.write_all(b"250 queued\r\n").await?;
                    }
                }
                "RSET" | "NOOP" => write.write_all(b"250 OK\r\n").await?,
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => write.write_all(b"502 not implemented\r\n").await?,
            }
        }
    }
}
