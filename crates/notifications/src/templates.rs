//! Rendering a notification: the kind's templates (the defaults, or the tenant's own) with its
//! data, inside the branded layout. minijinja, strict: a variable the data does not have is an
//! error naming its line, never an empty hole in a client's e-mail. HTML parts are escaped.

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value as Jinja};
use serde_json::{Map, Value, json};
use tenancy::service::tenants::Branding;

const LAYOUT_HTML: &str = include_str!("../templates/layout.html");
const LAYOUT_TEXT: &str = include_str!("../templates/layout.txt");
const DEFAULT_PRIMARY: &str = "#1f2937";
const DEFAULT_SECONDARY: &str = "#6366f1";
/// What one render of one part may spend (minijinja's fuel).
const FUEL: u64 = 50_000;

/// A kind's three templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// A notification as sent: the subject (with the tenant's prefix) and both bodies in the layout;
/// and for the in-app list, the subject without the prefix and the text without the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
    pub title: String,
    pub text_content: String,
}

/// Why a template does not render: which part, the line, and minijinja's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// `subject`, `html` or `text`.
    pub part: &'static str,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "the {} template, line {line}: {}", self.part, self.message),
            None => write!(f, "the {} template: {}", self.part, self.message),
        }
    }
}

/// Who sends: the site's name and branding.
#[derive(Debug, Clone)]
pub struct Look<'a> {
    pub site_name: &'a str,
    pub branding: &'a Branding,
}

impl Look<'_> {
    fn brand(&self) -> Value {
        let b = self.branding;
        let footer = b
            .footer_text
            .clone()
            .unwrap_or_else(|| format!("{} — you receive this because you have an account with us.", self.site_name));
        json!({
            "logo_url": b.logo_url,
            "primary_color": b.primary_color.as_deref().unwrap_or(DEFAULT_PRIMARY),
            "secondary_color": b.secondary_color.as_deref().unwrap_or(DEFAULT_SECONDARY),
            "footer": footer,
        })
    }

    /// The subject as sent: `[prefix] subject` when the tenant has a prefix.
    fn subject(&self, subject: &str) -> String {
        match self.branding.subject_prefix.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(prefix) => format!("{prefix} {subject}"),
            None => subject.to_owned(),
        }
    }
}

fn error(part: &'static str, e: &minijinja::Error) -> TemplateError {
    let message = match e.detail() {
        Some(detail) => format!("{} ({detail})", e.kind()),
        None => e.kind().to_string(),
    };
    TemplateError { part, line: e.line(), message }
}

/// Renders `parts` with `data` (an object: the kind's variables) for `recipient_name`.
pub fn render(parts: &Parts, data: &Value, look: &Look<'_>, recipient_name: &str) -> Result<Rendered, TemplateError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // a budget per render: an admin's template cannot loop or grow without end (about 50,000
    // instructions or 3 MB; the default templates use a small fraction)
    env.set_fuel(Some(FUEL));
    // file names choose the escaping: `.html` escapes what it prints, `.txt` does not
    env.add_template("subject.txt", &parts.subject).map_err(|e| error("subject", &e))?;
    env.add_template("content.html", &parts.html).map_err(|e| error("html", &e))?;
    env.add_template("content.txt", &parts.text).map_err(|e| error("text", &e))?;
    env.add_template("layout.html", LAYOUT_HTML).map_err(|e| error("html", &e))?;
    env.add_template("layout.txt", LAYOUT_TEXT).map_err(|e| error("text", &e))?;

    let mut variables = match data {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    variables.insert("recipient".into(), json!({ "name": recipient_name }));
    variables.insert("site".into(), json!({ "name": look.site_name }));
    variables.insert("brand".into(), look.brand());
    let base = Jinja::from(Serde(variables));
    // the layout sees what the content saw, and the rendered content
    let with_content = |content: Jinja| minijinja::context! { content => content, ..base.clone() };
    let render = |name: &str, part: &'static str, ctx: &Jinja| {
        env.get_template(name).and_then(|t| t.render(ctx)).map_err(|e| error(part, &e))
    };

    let subject = render("subject.txt", "subject", &base)?;
    let subject = subject.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default().to_owned();
    if subject.is_empty() {
        return Err(TemplateError { part: "subject", line: None, message: "it renders empty".into() });
    }
    let html_content = render("content.html", "html", &base)?;
    let text_content = render("content.txt", "text", &base)?;
    let html = render("layout.html", "html", &with_content(Jinja::from_safe_string(html_content)))?;
    let text = render("layout.txt", "text", &with_content(Jinja::from(text_content.clone())))?;
    Ok(Rendered {
        subject: look.subject(&subject),
        html,
        text,
        title: subject,
        text_content: text_content.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::NotificationKind;
    use sea_orm::Iterable;

    fn defaults(kind: NotificationKind) -> Parts {
        let t = kind.default_templates();
        Parts { subject: t.subject.into(), html: t.html.into(), text: t.text.into() }
    }

    #[test]
    fn every_kind_renders_its_sample_with_the_default_templates() {
        let branding = Branding::default();
        let look = Look { site_name: "Essays Demo", branding: &branding };
        for kind in NotificationKind::iter() {
            let rendered =
                render(&defaults(kind), &kind.sample(), &look, "Ada").unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(!rendered.subject.is_empty() && !rendered.subject.contains('\n'), "{kind:?}");
            assert!(rendered.html.contains("Ada") && rendered.text.contains("Ada"), "{kind:?}");
            assert!(rendered.html.contains("Essays Demo"), "{kind:?}: the layout names the site");
        }
    }

    #[test]
    fn branding_shapes_the_layout_and_the_subject() {
        let branding = Branding {
            subject_prefix: Some("[Essays]".into()),
            logo_url: Some("https://essays.example/logo.png".into()),
            primary_color: Some("#ff0000".into()),
            footer_text: Some("Essays Ltd, 1 Main St".into()),
            ..Branding::default()
        };
        let look = Look { site_name: "Essays Demo", branding: &branding };
        let kind = NotificationKind::OrderPlaced;
        let rendered = render(&defaults(kind), &kind.sample(), &look, "Ada").unwrap();
        assert_eq!(rendered.subject, "[Essays] Order received: The economics of lighthouses");
        // `/` is escaped in HTML (`&#x2f;`), which mail readers decode
        let html = rendered.html.replace("&#x2f;", "/");
        assert!(html.contains("https://essays.example/logo.png") && html.contains("#ff0000"), "{html}");
        assert!(rendered.html.contains("Essays Ltd, 1 Main St") && rendered.text.contains("Essays Ltd, 1 Main St"));
        assert!(rendered.text.contains("Plagiarism report: 8.49 USD"), "{}", rendered.text);
    }

    #[test]
    fn html_escapes_what_it_prints_and_text_does_not() {
        let branding = Branding::default();
        let look = Look { site_name: "S", branding: &branding };
        let rendered = render(&defaults(NotificationKind::Welcome), &json!({}), &look, "<b>Ada</b> & co").unwrap();
        assert!(rendered.html.contains("&lt;b&gt;Ada&lt;&#x2f;b&gt; &amp; co"), "{}", rendered.html);
        assert!(!rendered.html.contains("<b>Ada"));
        assert!(rendered.text.contains("<b>Ada</b> & co"));
    }

    #[test]
    fn a_template_that_would_run_without_end_runs_out_of_fuel() {
        let branding = Branding::default();
        let look = Look { site_name: "S", branding: &branding };
        let mut parts = defaults(NotificationKind::Welcome);
        parts.text = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}".into();
        let started = std::time::Instant::now();
        let e = render(&parts, &json!({}), &look, "Ada").unwrap_err();
        assert_eq!(e.part, "text");
        assert!(e.message.contains("fuel"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "refused quickly");
        parts = defaults(NotificationKind::Welcome);
        parts.html = "{{ 'x' * 100000000 }}".into();
        assert!(render(&parts, &json!({}), &look, "Ada").unwrap_err().message.contains("fuel"));
    }

    #[test]
    fn an_unknown_variable_or_bad_syntax_names_the_part_and_line() {
        let branding = Branding::default();
        let look = Look { site_name: "S", branding: &branding };
        let mut parts = defaults(NotificationKind::Welcome);
        parts.html = "<p>Hello</p>\n<p>{{ order.topic }}</p>".into();
        let e = render(&parts, &json!({}), &look, "Ada").unwrap_err();
        assert_eq!((e.part, e.line), ("html", Some(2)), "{e}");
        parts = defaults(NotificationKind::Welcome);
        parts.text = "line one\n{% if %}".into();
        let e = render(&parts, &json!({}), &look, "Ada").unwrap_err();
        assert_eq!((e.part, e.line), ("text", Some(2)), "{e}");
    }
}
