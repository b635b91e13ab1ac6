//! Cursor pagination: `?limit=50&cursor=…` gives `{items, next_cursor}`, in id order. The
//! cursor (shared with the requests list) is the last id of the page, base64-encoded so that clients treat it as opaque and
//! it can change later; unlike an offset it stays right while rows are being added.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::{Deserialize, Serialize};

use crate::error::Validator;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// Query parameters of every listing. Strings, so that a bad value is a 422 naming the
/// parameter like any other invalid field.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked [`PageParams`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    /// Items after this id.
    pub after: Option<i64>,
}

impl PageParams {
    pub fn check(&self, v: &mut Validator) -> PageRequest {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    v.add(
                        "limit",
                        format!("The limit is a whole number from 1 to {MAX_LIMIT}."),
                    );
                    DEFAULT_LIMIT
                }
            },
        };
        // A blank cursor, as a form sends it, asks for the first page.
        let cursor = self.cursor.as_deref().filter(|c| !c.trim().is_empty());
        let after = cursor.and_then(|raw| {
            let id = decode(raw);
            if id.is_none() {
                v.add(
                    "cursor",
                    "Not a cursor of this listing; use the `next_cursor` of a page.",
                );
            }
            id
        });
        PageRequest { limit, after }
    }
}

/// One page of a listing; `next_cursor` is null on the last page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from rows in id order fetched with one row more than the limit, which tells
    /// whether another page follows without counting.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        request: PageRequest,
        id: impl Fn(&R) -> i64,
        item: impl FnMut(R) -> T,
    ) -> Self {
        let more = rows.len() as u64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if more {
            rows.last().map(|row| encode(id(row)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(item).collect(),
            next_cursor,
        }
    }
}

/// The rows of a page: `limit + 1` rows after the cursor, in id order.
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    request: PageRequest,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut select = select.order_by_asc(id).limit(request.limit + 1);
    if let Some(after) = request.after {
        select = select.filter(id.gt(after));
    }
    select.all(db).await
}

pub fn encode(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{id}"))
}

pub fn decode(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("id:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(limit: Option<&str>, cursor: Option<&str>) -> Result<PageRequest, Vec<String>> {
        let params = PageParams {
            limit: limit.map(Into::into),
            cursor: cursor.map(Into::into),
        };
        let mut v = Validator::new();
        let request = params.check(&mut v);
        match v.finish() {
            Ok(()) => Ok(request),
            Err(crate::error::Error::Invalid(errors)) => Err(errors.into_keys().collect()),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        assert_eq!(
            check(None, None),
            Ok(PageRequest {
                limit: 50,
                after: None
            })
        );
        assert_eq!(
            check(Some("2"), Some(&encode(41))),
            Ok(PageRequest {
                limit: 2,
                after: Some(41)
            })
        );
        assert_eq!(
            check(Some("0"), Some("42")),
            Err(vec!["cursor".into(), "limit".into()])
        );
        assert_eq!(check(Some("201"), None), Err(vec!["limit".into()]));
    }

    #[test]
    fn a_page_says_whether_another_follows() {
        let request = PageRequest {
            limit: 2,
            after: None,
        };
        let page = Page::from_rows(vec![1, 2, 3], request, |n| *n, |n| n * 10);
        assert_eq!(page.items, [10, 20]);
        assert_eq!(page.next_cursor, Some(encode(2)));
        let page = Page::from_rows(vec![1, 2], request, |n| *n, |n| n);
        assert_eq!(page.next_cursor, None);
    }
}
