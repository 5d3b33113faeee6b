//! Reading what the site e-mails: a local SMTP sink and a worker that delivers the outbox to it.

use std::sync::Arc;

use jobs::{Worker, WorkerSettings};
use notifications::Mailer;

use crate::TestApp;
use crate::smtp::SmtpSink;

/// The site's outgoing mail, caught by a local SMTP sink, and a worker that sends it.
pub struct Mail {
    pub sink: SmtpSink,
    pub worker: Worker,
}

impl Mail {
    pub async fn start(app: &TestApp) -> Mail {
        let sink = SmtpSink::start().await;
        let mailer = Mailer::new(Some(&sink.url()), std::env::temp_dir()).unwrap();
        let worker = Worker::new(
            app.db.clone(),
            Arc::new(app.clock.clone()),
            gateway::worker::registry(mailer.into(), app.state.files.clone()),
            WorkerSettings::default(),
        );
        Mail { sink, worker }
    }

    /// Sends what is queued; answers the token of the last link to `to` under `path`.
    pub async fn token(&self, to: &str, path: &str) -> String {
        while self.worker.poll().await.unwrap().claimed > 0 {}
        let messages = self.sink.messages();
        let message = messages.iter().rev().find(|m| m.to.iter().any(|t| t.contains(to))).expect("a message");
        let parsed = message.parsed();
        let text = parsed.body_text(0).expect("a text part").into_owned();
        let start = text.find(path).unwrap_or_else(|| panic!("no {path} link in {text}"));
        let link: &str = text[start..].split_whitespace().next().unwrap();
        link.split_once("?token=").unwrap().1.to_owned()
    }

    pub fn subjects(&self, to: &str) -> Vec<String> {
        self.sink
            .messages()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains(to)))
            .map(|m| m.parsed().subject().unwrap_or("").to_owned())
            .collect()
    }
}
