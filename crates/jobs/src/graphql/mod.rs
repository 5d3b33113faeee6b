//! Thin resolvers over the jobs services: admins watch the queue and retry dead jobs.

mod jobs;

pub use jobs::{Job, JobsMutation, JobsQuery};
